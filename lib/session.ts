/** A signed-in session: one token row, as users and applications see it. */
export interface Session {
  /** The stored digest of the token: safe to show, useless to present. */
  id: string
  userId: unknown
  createdAt: Date
  /** When the token stops working; null when it never expires. */
  expiresAt: Date | null
  lastUsedAt: Date | null
  userAgent: string | null
  ip: string | null
}

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
}

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
  return {
    id: row.token,
    userId: row.userId,
    createdAt: row.createdAt,
    expiresAt: expiryOf(row.createdAt, lastUsedAt, lifetimes),
    lastUsedAt,
    userAgent: row.userAgent ?? null,
    ip: row.ip ?? null
  }
}

/** A token is valid up to and including its expiry instant. */
export function isLive (session: Session, now: number): boolean {
  return session.expiresAt === null || now <= session.expiresAt.getTime()
}
