import { eq, or, sql } from 'drizzle-orm'
import type { Dialect } from './dialects/index.js'
import type { UserTable } from './tables.js'
import { isPasswordHash, timingDummyHash, verifyPassword } from './password.js'
import { storeUnavailable } from './errors.js'
import { isActiveUser } from './flags.js'
import { normalizeEmail, storedForms } from './users.js'
import type { Credentials } from './types.js'

// The login's own lookup, when the application brings no `authenticate`:
// built once at registration, on the user table's columns.

/** The selection key of the password hash; no user column can be named so. */
const HASH = '__accessTokensPasswordHash'

export type Authenticate<User> = (credentials: Credentials) => Promise<User | null>

/**
 * The built-in `authenticate`: finds the user by email, checks the password,
 * refuses inactive users. An unknown email still costs one password check,
 * so the answer time does not reveal which emails exist. The dummy hash that
 * check uses must exist before the first login (see `timingDummyHash`).
 */
export function defaultAuthenticate<User> (dialect: Dialect, users: UserTable, statementName: string): Authenticate<User> {
  const byEmail = dialect.prepare<Record<string, unknown>>(
    dialect.db.select({ ...users.selection, [HASH]: users.hashedPassword })
      .from(users.table)
      .where(or(eq(users.email, sql.placeholder('email')), eq(users.email, sql.placeholder('decomposed')))),
    statementName)
  return async function authenticate ({ username, password }) {
    const email = normalizeEmail(username)
    let rows: Array<Record<string, unknown>> = []
    // PostgreSQL text cannot hold NUL, so no stored email has one; asking
    // would fail the query, a 503 for what is simply an unknown user.
    if (!email.includes('\u0000')) {
      try {
        rows = await byEmail(storedForms(email))
      } catch (error) {
        throw storeUnavailable(error)
      }
    }
    // MySQL's default collations also match other accents ('ä' = 'a') and
    // ignore trailing spaces: only the email asked for counts, as elsewhere.
    // Should an address exist in both forms (two accounts made before
    // emails were normalised), the one stored exactly as asked wins.
    const matching = rows.filter((candidate) => normalizeEmail(String(candidate.email)) === email)
    const row = matching.find((candidate) => candidate.email === email) ?? matching[0]
    // An unknown user, or one whose stored hash cannot be checked, costs one
    // password check all the same.
    if (row === undefined || !isPasswordHash(row[HASH])) {
      await verifyPassword(password, await timingDummyHash())
      return null
    }
    const { [HASH]: hash, ...selected } = row
    if (!await verifyPassword(password, hash as string)) return null
    const user = users.toUser(selected)
    if (!isActiveUser(user)) return null
    return user as User
  }
}
