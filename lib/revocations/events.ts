/**
 * What a revocation tells the other instances: which cache entries to drop.
 * A token is named by the first characters of its digest, never the whole
 * digest: enough to find the entry (the cache compares the full digest
 * before it serves one), and of no use to whoever reads the channel or the
 * log. A user-level event (revokeAll, invalidateUser) drops every entry,
 * because only the database knows which ids it takes for one user ('5' and
 * 5, a UUID in capitals), and such events are rare.
 */
export type RevocationEvent = { tokens: string[] } | { all: true } | UserEvent

/**
 * The tokens of one user were evicted by maxTokensPerUser, which ones
 * unknown. Only heard within one process (an in-memory SQLite database),
 * never written to a channel or a log: elsewhere it travels as `*`.
 */
export interface UserEvent { user: unknown }

/** Characters of a digest that name its cache entry: 96 bits. */
export const KEY_LENGTH = 16

export const ALL = '*'

/** The key of a digest in the cache and in events. */
export function keyOf (digest: string): string {
  return digest.slice(0, KEY_LENGTH)
}

/**
 * The most token keys one event names: 400 keys take 6800 bytes, and a
 * PostgreSQL notification carries under 8000. More (a login that evicts a
 * user's hundreds of tokens) travel as `*`: every cache entry dropped, which
 * costs lookups, never a revocation.
 */
export const MAX_KEYS = 400

export function tokensEvent (digests: string[]): RevocationEvent {
  return digests.length > MAX_KEYS ? { all: true } : { tokens: digests.map(keyOf) }
}

/** The event as it travels: `*`, or token keys separated by spaces. */
export function encode (event: RevocationEvent): string {
  return 'tokens' in event ? event.tokens.join(' ') : ALL
}

/** Anything not understood drops every entry: a wrong guess must err on the safe side. */
export function decode (payload: string): RevocationEvent {
  const keys = payload.split(' ')
  return keys.every((key) => key.length === KEY_LENGTH) ? { tokens: keys } : { all: true }
}
