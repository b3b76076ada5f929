import { LRUCache } from 'lru-cache'
import type { Session } from './session.js'

export interface Verified<User = unknown> {
  session: Session
  user: User
}

interface Entry {
  verified: Verified
  /** Date.now() after which the entry must be checked against the database again. */
  staleAt: number
}

/**
 * Verified tokens of this process, by digest. An entry is trusted for
 * `ttlSeconds`: revocations made here drop it at once, those made by other
 * instances (and changes to the user) are seen once it goes stale.
 */
export class VerifiedCache {
  readonly #entries: LRUCache<string, Entry>
  readonly #ttlMs: number
  #generation = 0

  constructor (options: { ttlSeconds: number, max: number }) {
    this.#entries = new LRUCache({ max: options.max })
    this.#ttlMs = options.ttlSeconds * 1000
  }

  get (digest: string, now: number): Verified | undefined {
    const entry = this.#entries.get(digest)
    if (entry === undefined) return undefined
    if (now > entry.staleAt) {
      this.#entries.delete(digest)
      return undefined
    }
    return entry.verified
  }

  /**
   * Counts removals. A lookup notes it before asking the database and
   * passes it to `set`: when a removal happened meanwhile, the answer may
   * predate a revocation and is not cached.
   */
  get generation (): number {
    return this.#generation
  }

  set (digest: string, verified: Verified, now: number, generation: number): void {
    if (generation !== this.#generation) return
    this.#entries.set(digest, { verified, staleAt: now + this.#ttlMs })
  }

  delete (digest: string): void {
    this.#generation++
    this.#entries.delete(digest)
  }

  /** Drops every entry. */
  clear (): void {
    this.#generation++
    this.#entries.clear()
  }
}
