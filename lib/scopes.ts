// Scopes, as OAuth 2.0 writes them (RFC 6749 section 3.3): case-sensitive
// tokens of printable ASCII without space, double quote or backslash, so a
// list is written space-separated and fits in a quoted WWW-Authenticate
// parameter as it is.

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** A bound on one scope's length and on a key's number of scopes: a request cannot make a key row of any size. */
export const SCOPE_MAX_LENGTH = 100
export const MAX_SCOPES = 100

export function isScopeToken (value: unknown): value is string {
  return typeof value === 'string' && value.length <= SCOPE_MAX_LENGTH && SCOPE_TOKEN.test(value)
}

/** The `apiKeys` option after validation. */
export interface ResolvedApiKeys {
  prefix: string
  /** The scopes offered; null: any scope token. */
  scopes: Set<string> | null
  maxLifetimeSeconds: number | null
  maxPerUser: number | null
}
