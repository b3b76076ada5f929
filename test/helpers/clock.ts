// A controlled clock: the store reads Date.now() for every expiry decision,
// so a test sets the time instead of waiting for it.
import type { Test } from 'tap'

export interface Clock {
  /** Sets the time Date.now() returns, in ms since the epoch. */
  set(ms: number): void
}

/** Stubs Date.now for the rest of the test `t`, which restores it when it ends. */
export function controlClock (t: Test, start: number): Clock {
  const realNow = Date.now
  let now = start
  Date.now = () => now
  t.teardown(() => { Date.now = realNow })
  return { set: (ms) => { now = ms } }
}
