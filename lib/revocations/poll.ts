import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import type { VerifiedCache } from '../cache.js'
import { storeUnavailable } from '../errors.js'
import { Liveness } from './liveness.js'
import type { LogReader } from './log.js'
import type { Receiver } from './types.js'

/** Time between two reads of the log: well within the 1 s bound. */
export const POLL_MS = 200
/** A read still unanswered after this is given up on, so a fresh one can start. */
const READ_TIMEOUT_MS = 2000
/** Log rows are kept this long: much longer than any instance needs to read them. */
const KEEP_MS = 10 * 60_000
const PRUNE_EVERY_MS = 60_000

/**
 * Reads the revocation log on a timer (SQLite files, MySQL). A read that
 * succeeds confirms the channel as of its start; one that fails bypasses
 * the cache at once, one that hangs does so once LIVE_MS has passed.
 */
export class PollReceiver implements Receiver {
  readonly #reader: LogReader
  readonly #cache: VerifiedCache
  readonly #liveness: Liveness
  #timer: NodeJS.Timeout | null = null
  #reading: Promise<void> | null = null
  // The first read prunes: an instance that starts is a good time to tidy up.
  #prunedAt = -Infinity
  /** Reading starts after the newest row, once the log could be read at all. */
  #begun = false

  constructor (reader: LogReader, cache: VerifiedCache, log: FastifyBaseLogger) {
    this.#reader = reader
    this.#cache = cache
    this.#liveness = new Liveness(log, () => cache.clear())
    cache.live = () => this.#liveness.live()
  }

  async start (): Promise<void> {
    // The first read, as every other: a database away at start only delays the cache.
    this.#tick()
    await this.#reading
    this.#timer = setInterval(() => { this.#tick() }, POLL_MS)
    // Reading the log must not keep a process alive that is otherwise done.
    this.#timer.unref()
  }

  #tick (): void {
    this.#liveness.check()
    if (this.#reading !== null) return
    let timeout: NodeJS.Timeout | undefined
    const reading = Promise.race([
      this.#poll(),
      new Promise<never>((_resolve, reject) => {
        timeout = setTimeout(() => reject(new Error(`no answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS)
      })
    ]).catch((error: unknown) => {
      this.#liveness.lost(storeUnavailable(error))
    }).finally(() => {
      clearTimeout(timeout)
      if (this.#reading === reading) this.#reading = null
    })
    this.#reading = reading
  }

  async #poll (): Promise<void> {
    const askedAt = performance.now()
    if (!this.#begun) {
      await this.#reader.begin()
      this.#begun = true
    }
    const { events, missed } = await this.#reader.read()
    for (const event of events) this.#cache.apply(event)
    if (missed) this.#cache.clear()
    this.#liveness.confirm(askedAt)
    if (askedAt - this.#prunedAt >= PRUNE_EVERY_MS) {
      this.#prunedAt = askedAt
      await this.#reader.prune(KEEP_MS)
    }
  }

  async close (): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    // No query after the app closed; a read that hangs is not waited for.
    await Promise.race([this.#reading, new Promise((resolve) => setTimeout(resolve, READ_TIMEOUT_MS).unref())])
  }
}
