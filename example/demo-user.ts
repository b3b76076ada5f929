import { eq } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { createUser } from '../index.js'
import { users } from '../lib/schema/sqlite.js'

// A fixed password, printed at every start: this is a demo on 127.0.0.1.
export const DEMO_EMAIL = 'demo@example.com'
export const DEMO_PASSWORD = 'demo-password'

/** Creates the demo user unless it exists. */
export async function ensureDemoUser (db: BetterSQLite3Database): Promise<{ email: string, password: string, created: boolean }> {
  const existing = db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_EMAIL)).get()
  if (existing === undefined) {
    await createUser(db, { email: DEMO_EMAIL, password: DEMO_PASSWORD, isVerified: true })
  }
  return { email: DEMO_EMAIL, password: DEMO_PASSWORD, created: existing === undefined }
}
