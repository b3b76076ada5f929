// Users whose password hash names a tiny scrypt cost. verifyPassword
// honours the cost a hash names, so logins still check the password, without
// the deliberate slowness of the default cost: for tests that log in by the
// dozen, where the subject is what happens after the password check.
import { randomBytes, randomUUID, scryptSync } from 'node:crypto'
import type { TestApp } from './app.js'
import { PASSWORD } from './app.js'

export function quickHash (password: string): string {
  const salt = randomBytes(16)
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 16, r: 1, p: 1 })
  return `$scrypt$ln=4,r=1,p=1$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Inserts an active user of the default table with PASSWORD; returns its id. */
export async function addQuickUser (built: Pick<TestApp, 'tdb'>, email: string, options: { isActive?: boolean } = {}): Promise<string> {
  const id = randomUUID()
  await built.tdb.db.insert(built.tdb.schema.users).values({
    id,
    email: email.toLowerCase(),
    hashedPassword: quickHash(PASSWORD),
    isActive: options.isActive ?? true
  })
  return id
}
