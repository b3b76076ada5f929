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
/**
 * A user id as a key of the per-user index. The database may match ids the
 * cache would not ('5' and 5, a UUID in capitals): the key folds those
 * together, and dropping a little more than needed costs only a lookup.
 */
function userKey (userId: unknown): string {
  return String(userId).toLowerCase()
}

export class VerifiedCache {
  readonly #entries: LRUCache<string, Entry>
  /** The digests cached for each user, so a user's entries can go without a scan. */
  readonly #byUser = new Map<string, Set<string>>()
  readonly #ttlMs: number
  #generation = 0

  constructor (options: { ttlSeconds: number, max: number }) {
    this.#entries = new LRUCache({
      max: options.max,
      // Every way out of the cache (delete, eviction by size, replacement)
      // leaves the per-user index too.
      dispose: (entry, digest) => {
        const key = userKey(entry.verified.session.userId)
        const digests = this.#byUser.get(key)!
        digests.delete(digest)
        if (digests.size === 0) this.#byUser.delete(key)
      }
    })
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
    const key = userKey(verified.session.userId)
    let digests = this.#byUser.get(key)
    if (digests === undefined) this.#byUser.set(key, digests = new Set())
    digests.add(digest)
  }

  delete (digest: string): void {
    this.#generation++
    this.#entries.delete(digest)
  }

  /** Drops every entry of a user. */
  deleteUser (userId: unknown): void {
    this.#generation++
    for (const digest of [...this.#byUser.get(userKey(userId)) ?? []]) this.#entries.delete(digest)
  }

  /** Drops every entry. */
  clear (): void {
    this.#generation++
    this.#entries.clear()
  }
}
