// A clock the test moves by hand: Date.now() is stubbed for the rest of the
// test and restored at its end. The store reads Date.now() for every expiry,
// touch and cache decision, so no test has to wait for time to pass.
import type { Test } from 'tap'

export interface ControlledClock {
  /** The stubbed Date.now(). */
  now(): number
  /** Moves the clock by `ms` (may be negative); returns the new time. */
  advance(ms: number): number
  /** Sets the clock; returns the new time. */
  set(at: number): number
}

/** Stubs Date.now() with a clock starting at `start` (default: now, on a whole second). */
export function controlClock (t: Test, start = Math.floor(Date.now() / 1000) * 1000): ControlledClock {
  const real = Date.now
  let current = start
  Date.now = () => current
  t.teardown(() => { Date.now = real })
  return {
    now: () => current,
    advance: (ms) => (current += ms),
    set: (at) => (current = at)
  }
}
