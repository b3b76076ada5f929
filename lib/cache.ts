import { LRUCache } from 'lru-cache'
import type { Session } from './session.js'
import { keyOf, type RevocationEvent } from './revocations/events.js'

export interface Verified<User = unknown> {
  session: Session
  user: User
}

interface Entry {
  /** The full digest: an entry is served only for the very token it was made for. */
  digest: string
  verified: Verified
  /** Date.now() after which the entry must be checked against the database again. */
  staleAt: number
}

/**
 * A user id as a key of the per-user index. The database may match ids the
 * cache would not ('5' and 5, a UUID in capitals): the key folds those
 * together, and dropping a little more than needed costs only a lookup.
 */
function userKey (userId: unknown): string {
  return String(userId).toLowerCase()
}

/**
 * Verified tokens of this process. An entry is trusted for `ttlSeconds`
 * (user changes made behind the plugin's back are seen once it goes stale);
 * revocations, made here or by any instance on the same database, drop it
 * as soon as they arrive (lib/revocations). While their arrival is not
 * assured, `live` says so and nothing is served.
 *
 * Entries are keyed by the first characters of the digest, the key that
 * revocation events carry (lib/revocations/events.ts).
 */
export class VerifiedCache {
  readonly #entries: LRUCache<string, Entry>
  /** The entry keys cached for each user, so a user's entries can go without a scan. */
  readonly #byUser = new Map<string, Set<string>>()
  readonly #ttlMs: number
  #generation = 0
  /** Whether revocations from every instance are known to arrive; set by the receiver. */
  live: () => boolean = () => true

  constructor (options: { ttlSeconds: number, max: number }) {
    this.#entries = new LRUCache({
      max: options.max,
      // Every way out of the cache (delete, eviction by size, replacement)
      // leaves the per-user index too.
      dispose: (entry, entryKey) => {
        const key = userKey(entry.verified.session.userId)
        const keys = this.#byUser.get(key)!
        keys.delete(entryKey)
        if (keys.size === 0) this.#byUser.delete(key)
      }
    })
    this.#ttlMs = options.ttlSeconds * 1000
  }

  get (digest: string, now: number): Verified | undefined {
    const key = keyOf(digest)
    const entry = this.#entries.get(key)
    if (entry === undefined || entry.digest !== digest || !this.live()) return undefined
    if (now > entry.staleAt) {
      this.#entries.delete(key)
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
    // Nothing is cached while revocations may be missed: the cache is
    // dropped when they arrive again, and this answer may be old by then.
    if (generation !== this.#generation || !this.live()) return
    const entryKey = keyOf(digest)
    this.#entries.set(entryKey, { digest, verified, staleAt: now + this.#ttlMs })
    const key = userKey(verified.session.userId)
    let keys = this.#byUser.get(key)
    if (keys === undefined) this.#byUser.set(key, keys = new Set())
    keys.add(entryKey)
  }

  delete (digest: string): void {
    this.#generation++
    this.#entries.delete(keyOf(digest))
  }

  /** Drops every entry of a user. */
  deleteUser (userId: unknown): void {
    this.#generation++
    for (const entryKey of [...this.#byUser.get(userKey(userId)) ?? []]) this.#entries.delete(entryKey)
  }

  /** Drops every entry. */
  clear (): void {
    this.#generation++
    this.#entries.clear()
  }

  /** Applies a revocation of any instance. */
  apply (event: RevocationEvent): void {
    if ('all' in event) return this.clear()
    if ('user' in event) return this.deleteUser(event.user)
    this.#generation++
    for (const key of event.tokens) this.#entries.delete(key)
  }
}
