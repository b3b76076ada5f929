import { eq, or, sql } from 'drizzle-orm'
import { requireDialect, type Dialect } from './dialects/index.js'
import { resolveUserTable, type UserTable } from './tables.js'
import { hashPassword, isPasswordHash, timingDummyHash, verifyPassword } from './password.js'
import { storeUnavailable, USER_ALREADY_EXISTS } from './errors.js'
import type { DrizzleDatabase, DrizzleTable } from './dialects/types.js'
import { FLAGS, isActiveUser } from './flags.js'
import type { Credentials, DefaultUser, NewUser } from './types.js'

export type { Credentials, DefaultUser, NewUser }

/**
 * Emails are stored and looked up lower-cased and in Unicode NFC, so lookups
 * ignore case, and `é` typed as one code point or as `e` and a combining
 * accent is one address, not two accounts.
 */
export function normalizeEmail (email: string): string {
  return email.trim().toLowerCase().normalize('NFC')
}

/**
 * The forms an email may have been stored in: the normalised one, and its
 * decomposed twin (NFD), which another client or an import may have written.
 */
function storedForms (email: string): { email: string, decomposed: string } {
  return { email, decomposed: email.normalize('NFD') }
}

/**
 * Inserts a user with a hashed password into the default (or given) user
 * table and returns the user object. A taken email is USER_ALREADY_EXISTS.
 */
export async function createUser<User = DefaultUser> (database: DrizzleDatabase, input: NewUser, options: { users?: DrizzleTable } = {}): Promise<User> {
  const dialect = requireDialect(database)
  const users = resolveUserTable(options.users ?? dialect.defaults.userTable)
  if (typeof input?.email !== 'string' || normalizeEmail(input.email) === '') throw new TypeError('createUser() needs an email')
  const email = normalizeEmail(input.email)
  const values: Record<string, unknown> = {
    [users.keys.email]: email,
    [users.keys.hashedPassword]: await hashPassword(input.password)
  }
  for (const flag of FLAGS) {
    const key = users.keys[flag]
    if (key !== undefined && input[flag] !== undefined) values[key] = input[flag] === true
  }
  const forms = storedForms(email)
  try {
    // The unique key sees two strings in an NFC and an NFD address; they are
    // one address, so the other form counts as taken too.
    const taken = await dialect.all<Record<string, unknown>>(dialect.db.select({ email: users.email }).from(users.table)
      .where(or(eq(users.email, forms.email), eq(users.email, forms.decomposed))))
    if (taken.some((row) => normalizeEmail(String(row.email)) === email)) throw new USER_ALREADY_EXISTS()
    await dialect.write(dialect.db.insert(users.table).values(values))
    // Read the row back: ids may come from the database (auto-increment).
    const [row] = await dialect.all<Record<string, unknown>>(dialect.db.select(users.selection).from(users.table).where(eq(users.email, email)))
    return users.toUser(row) as User
  } catch (error) {
    if (error instanceof USER_ALREADY_EXISTS || dialect.isUniqueViolation(error)) throw new USER_ALREADY_EXISTS()
    throw storeUnavailable(error)
  }
}

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
