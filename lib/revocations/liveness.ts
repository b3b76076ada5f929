import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'

/**
 * How long a channel stays trusted after it was last confirmed live. Past
 * this, the cache serves nothing: a revocation published since may be
 * stuck on the way, and must still win within this bound.
 */
export const LIVE_MS = 1000

/**
 * Whether this instance is known to receive every revocation, and what to
 * do when that changes. A confirmation carries the time at which it was
 * asked for (a heartbeat sent, a poll started): every revocation committed
 * before that moment has been received by the time it arrives.
 *
 * Monotonic time (performance.now()), not Date.now(): a wall clock that
 * jumps must neither revive a dead channel nor kill a live one.
 */
export class Liveness {
  #confirmedAt = -Infinity
  /** A lapse was logged, and its recovery not yet. */
  #lapseLogged = false
  readonly #log: FastifyBaseLogger
  readonly #onRecover: () => void

  /** `onRecover` runs before the cache is trusted again: it drops what was cached before the trouble. */
  constructor (log: FastifyBaseLogger, onRecover: () => void) {
    this.#log = log
    this.#onRecover = onRecover
  }

  /** Whether the cache may serve now. On the hot path: one clock read. */
  live (): boolean {
    return performance.now() - this.#confirmedAt <= LIVE_MS
  }

  /** Every revocation committed before `askedAt` (performance.now()) has been received. */
  confirm (askedAt: number): void {
    // The channel was not trusted a moment ago (or never was): revocations
    // of the gap may have been missed, so nothing cached before now stays.
    if (askedAt - this.#confirmedAt > LIVE_MS) this.#onRecover()
    // A read given up on may still answer, later than a newer one.
    this.#confirmedAt = Math.max(this.#confirmedAt, askedAt)
    // A confirmation that took long to come may not make the channel live
    // yet: the recovery is the first one that does.
    if (this.#lapseLogged && this.live()) {
      this.#lapseLogged = false
      this.#log.warn('access-tokens: revocations from other instances are received again; the cache is back in use')
    }
  }

  /** The channel is known to be broken: the cache is bypassed from now on. */
  lost (reason: unknown): void {
    this.#confirmedAt = -Infinity
    this.#reportLapse(reason)
  }

  /** Called on a timer: logs a lapse found by the passing of time alone (a stalled channel). */
  check (): void {
    if (!this.live() && this.#confirmedAt !== -Infinity) this.#reportLapse(new Error(`not confirmed live for ${LIVE_MS} ms`))
  }

  #reportLapse (reason: unknown): void {
    if (this.#lapseLogged) return
    this.#lapseLogged = true
    this.#log.warn({ err: reason }, 'access-tokens: revocations from other instances cannot be received; the cache is bypassed until they can')
  }
}
