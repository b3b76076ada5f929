// Reading and writing access_token rows under the plugin, through Drizzle, so
// dates come back as Date on every driver whatever the time zones.
import { eq } from 'drizzle-orm'
import { hashToken } from '../../index.js'
import type { TestDatabase } from './databases.js'

export interface StoredToken {
  token: string
  userId: string
  createdAt: Date
  lastUsedAt: Date | null
  userAgent: string | null
  ip: string | null
}

/** Every row of the default access_token table: the columns of a login. */
export async function tokenRows (tdb: TestDatabase): Promise<StoredToken[]> {
  const { token, userId, createdAt, lastUsedAt, userAgent, ip } = tdb.schema.accessTokens
  return await tdb.db.select({ token, userId, createdAt, lastUsedAt, userAgent, ip }).from(tdb.schema.accessTokens)
}

/** The row of a secret, or undefined when it is gone. */
export async function rowOf (tdb: TestDatabase, secret: string): Promise<StoredToken | undefined> {
  const { accessTokens } = tdb.schema
  const rows: StoredToken[] = await tdb.db.select().from(accessTokens).where(eq(accessTokens.token, hashToken(secret)))
  return rows[0]
}

/** Inserts rows directly, in chunks small enough for every driver's parameter limit. */
export async function insertTokenRows (tdb: TestDatabase, rows: Array<Partial<StoredToken> & Pick<StoredToken, 'token' | 'userId' | 'createdAt'>>): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    await tdb.db.insert(tdb.schema.accessTokens).values(rows.slice(start, start + 500))
  }
}
