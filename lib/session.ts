import type { Session } from './types.js'

export type { Session }
/** The lifetimes a session's expiry follows, in milliseconds (null: not set). */
export interface Lifetimes {
  lifetimeMs: number | null
  idleTimeoutMs: number | null
}

/** A token row as the store selects it (optional columns may be absent). */
export interface TokenRow {
  token: string
  userId: unknown
  createdAt: Date
  lastUsedAt?: Date | null
  userAgent?: string | null
  ip?: string | null
  kind?: string | null
  name?: string | null
  scopes?: string | null
  expiresAt?: Date | null
}

export const API_KEY = 'api-key'
export const LOGIN = 'session'

/**
 * expiresAt = min(created_at + lifetime, (last_used_at or created_at) + idle
 * timeout), each term only when its option is set.
 */
export function expiryOf (createdAt: Date, lastUsedAt: Date | null, lifetimes: Lifetimes): Date | null {
  let expires = Infinity
  if (lifetimes.lifetimeMs !== null) expires = createdAt.getTime() + lifetimes.lifetimeMs
  if (lifetimes.idleTimeoutMs !== null) {
    expires = Math.min(expires, (lastUsedAt ?? createdAt).getTime() + lifetimes.idleTimeoutMs)
  }
  return expires === Infinity ? null : new Date(expires)
}

export function sessionOf (row: TokenRow, lifetimes: Lifetimes): Session {
  const lastUsedAt = row.lastUsedAt ?? null
  // A NULL kind is a login made before API keys existed.
  const key = row.kind === API_KEY
  return {
    id: row.token,
    userId: row.userId,
    kind: key ? API_KEY : LOGIN,
    name: key ? row.name as string : null,
    scopes: key ? splitScopes(row.scopes) : null,
    createdAt: row.createdAt,
    // A key has the expiry it was created with: no lifetime, no idle timeout.
    expiresAt: key ? row.expiresAt ?? null : expiryOf(row.createdAt, lastUsedAt, lifetimes),
    lastUsedAt,
    userAgent: row.userAgent ?? null,
    ip: row.ip ?? null
  }
}

/** A token is valid up to and including its expiry instant. */
export function isLive (session: Session, now: number): boolean {
  return session.expiresAt === null || now <= session.expiresAt.getTime()
}

/** Scopes are stored space-separated, as OAuth's scope parameter is written. */
function splitScopes (stored: string | null | undefined): string[] {
  return stored ? stored.split(' ') : []
}
