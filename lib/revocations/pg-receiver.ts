import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import type { VerifiedCache } from '../cache.js'
import { storeUnavailable } from '../errors.js'
import { decode } from './events.js'
import { Liveness } from './liveness.js'
import type { Listen, Listening } from './listen.js'
import { CHANNEL } from './pg.js'
import type { Receiver } from './types.js'

/** A heartbeat every so often confirms the channel, well within LIVE_MS. */
export const HEARTBEAT_MS = 200
/** A heartbeat unanswered for this long means a stalled connection: it is replaced. */
const STALL_MS = 3000
/** Waits between attempts to connect again, growing up to the last. */
const RETRY_MS = [100, 250, 500, 1000, 2000]
/** How long start() waits for the first heartbeat, so a fresh app serves from its cache at once. */
const FIRST_BEAT_MS = 2000

/**
 * LISTEN on a connection of its own. The heartbeat is a notification this
 * instance sends itself, on a channel of its own, through the listening
 * connection: PostgreSQL delivers notifications in commit order whatever
 * their channel, so when it comes back, every revocation committed before
 * it was sent has arrived.
 */
export class PgReceiver implements Receiver {
  readonly #listen: Listen
  readonly #cache: VerifiedCache
  readonly #liveness: Liveness
  readonly #pingChannel = `access_tokens_beat_${randomBytes(8).toString('hex')}`
  #listening: Listening | null = null
  /** The connection being opened, if one is. */
  #connecting: Promise<void> | null = null
  #closed = false
  #failures = 0
  #retry: NodeJS.Timeout | null = null
  #timer: NodeJS.Timeout | null = null
  #beat = 0
  /** The heartbeat under way: its number and when it was sent. */
  #pending: { beat: number, sentAt: number } | null = null
  #firstBeat: (() => void) | null = null

  constructor (listen: Listen, cache: VerifiedCache, log: FastifyBaseLogger) {
    this.#listen = listen
    this.#cache = cache
    this.#liveness = new Liveness(log, () => cache.clear())
    // A database in this process (PGlite) is live while it listens: its
    // statements may hold the event loop for longer than the heartbeat's
    // bound, with no notification lost meanwhile.
    cache.live = () => this.#listening?.inProcess === true || this.#liveness.live()
  }

  async start (): Promise<void> {
    this.#timer = setInterval(() => { this.#tick() }, HEARTBEAT_MS)
    // Listening must not keep a process alive that is otherwise done.
    this.#timer.unref()
    const first = new Promise<void>((resolve) => {
      this.#firstBeat = resolve
      setTimeout(resolve, FIRST_BEAT_MS).unref()
    })
    await this.#connect()
    await first
    this.#firstBeat = null
  }

  // Called by start() and by the retry timer of #lost, which close() clears:
  // never while a connection is open or being opened.
  async #connect (): Promise<void> {
    this.#connecting = this.#open()
    await this.#connecting
    this.#connecting = null
  }

  async #open (): Promise<void> {
    let listening: Listening | null = null
    try {
      listening = await this.#listen([CHANNEL, this.#pingChannel], {
        message: (channel, payload) => {
          if (listening === null || listening === this.#listening) this.#message(channel, payload)
        },
        lost: (error) => {
          if (listening === this.#listening) this.#lost(error)
        }
      })
    } catch (error) {
      this.#lost(error)
      return
    }
    this.#listening = listening
    this.#failures = 0
    this.#ping(listening)
  }

  #message (channel: string, payload: string): void {
    if (channel === CHANNEL) {
      this.#cache.apply(decode(payload))
      return
    }
    const pending = this.#pending
    if (pending !== null && payload === String(pending.beat)) {
      this.#pending = null
      this.#liveness.confirm(pending.sentAt)
      this.#firstBeat?.()
    }
  }

  #ping (listening: Listening): void {
    if (listening.inProcess === true) {
      this.#liveness.confirm(performance.now())
      this.#firstBeat?.()
      return
    }
    const beat = ++this.#beat
    this.#pending = { beat, sentAt: performance.now() }
    // A failed heartbeat is a lost connection, which the 'error' event reports.
    listening.notify(this.#pingChannel, String(beat)).catch(() => {})
  }

  #tick (): void {
    // In the process (PGlite), a notification can be neither delayed nor
    // lost while the database is open: the first ping after opening
    // confirmed the channel, and a late timer (a busy event loop) must not
    // count as a lapse that empties the cache.
    const listening = this.#listening
    if (listening?.inProcess === true) return
    this.#liveness.check()
    if (listening === null) return
    const pending = this.#pending
    if (pending === null) {
      this.#ping(listening)
    } else if (performance.now() - pending.sentAt > STALL_MS) {
      this.#lost(new Error(`the listening connection did not answer for ${STALL_MS} ms`))
    }
  }

  #lost (error: unknown): void {
    const listening = this.#listening
    this.#listening = null
    this.#pending = null
    listening?.close().catch(() => {})
    if (this.#closed) return
    // Logged as the poll receiver logs its failures: a 503's error, its
    // cause scrubbed of anything that could be a secret or a digest.
    this.#liveness.lost(storeUnavailable(error))
    const wait = RETRY_MS[Math.min(this.#failures++, RETRY_MS.length - 1)]
    this.#retry = setTimeout(() => {
      this.#retry = null
      this.#connect().catch(() => {})
    }, wait)
    this.#retry.unref()
  }

  async close (): Promise<void> {
    this.#closed = true
    if (this.#timer !== null) clearInterval(this.#timer)
    if (this.#retry !== null) clearTimeout(this.#retry)
    // A connection being opened is closed once open.
    await this.#connecting
    const listening = this.#listening
    this.#listening = null
    await listening?.close()
  }
}
