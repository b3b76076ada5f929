import { eq, sql } from 'drizzle-orm'
import { requireDialect, type Dialect } from './dialects/index.js'
import { resolveUserTable, type UserTable } from './tables.js'
import { hashPassword, isPasswordHash, timingDummyHash, verifyPassword } from './password.js'
import { storeUnavailable, USER_ALREADY_EXISTS } from './errors.js'
import type { AnyTable } from './dialects/types.js'
import type { DrizzleDatabase } from './options.js'

/** The user object of the default table: never the password hash. */
export interface DefaultUser {
  id: string
  email: string
  isActive: boolean
  isSuperuser: boolean
  isVerified: boolean
}

export interface Credentials {
  username: string
  password: string
}

export interface NewUser {
  email: string
  password: string
  isActive?: boolean
  isVerified?: boolean
  isSuperuser?: boolean
}

/** Emails are stored and looked up lower-cased, so lookups ignore case. */
export function normalizeEmail (email: string): string {
  return email.trim().toLowerCase()
}

/**
 * Inserts a user with a hashed password into the default (or given) user
 * table and returns the user object. A taken email is USER_ALREADY_EXISTS.
 */
export async function createUser<User = DefaultUser> (database: DrizzleDatabase, input: NewUser, options: { users?: AnyTable } = {}): Promise<User> {
  const dialect = requireDialect(database)
  const users = resolveUserTable(options.users ?? dialect.defaults.users)
  if (typeof input?.email !== 'string' || normalizeEmail(input.email) === '') throw new TypeError('createUser() needs an email')
  const email = normalizeEmail(input.email)
  const values: Record<string, unknown> = {
    [users.keys.email]: email,
    [users.keys.hashedPassword]: await hashPassword(input.password)
  }
  for (const flag of ['isActive', 'isVerified', 'isSuperuser'] as const) {
    const key = users.keys[flag]
    if (key !== undefined && input[flag] !== undefined) values[key] = input[flag] === true
  }
  try {
    await dialect.write(dialect.db.insert(users.table).values(values))
    // Read the row back: ids may come from the database (auto-increment).
    const [user] = await dialect.all<User>(dialect.db.select(users.selection).from(users.table).where(eq(users.email, email)))
    return user
  } catch (error) {
    if (dialect.isUniqueViolation(error)) throw new USER_ALREADY_EXISTS()
    throw storeUnavailable(error)
  }
}

/** The selection key of the password hash; no user column can be named so. */
const HASH = '__accessTokensPasswordHash'

export type Authenticate<User> = (credentials: Credentials) => Promise<User | null>

/**
 * The built-in `authenticate`: finds the user by email, checks the password,
 * refuses inactive users. An unknown email still costs one password check,
 * so the answer time does not reveal which emails exist.
 */
export function defaultAuthenticate<User> (dialect: Dialect, users: UserTable, statementName: string): Authenticate<User> {
  const byEmail = dialect.prepare<Record<string, unknown>>(
    dialect.db.select({ ...users.selection, [HASH]: users.hashedPassword })
      .from(users.table)
      .where(eq(users.email, sql.placeholder('email'))),
    statementName)
  const activeKey = users.keys.isActive
  const emailKey = users.keys.email
  return async function authenticate ({ username, password }) {
    const email = normalizeEmail(username)
    let rows: Array<Record<string, unknown>> = []
    // PostgreSQL text cannot hold NUL, so no stored email has one; asking
    // would fail the query, a 503 for what is simply an unknown user.
    if (!email.includes('\u0000')) {
      try {
        rows = await byEmail({ email })
      } catch (error) {
        throw storeUnavailable(error)
      }
    }
    // MySQL's default collations also match other accents ('ä' = 'a') and
    // ignore trailing spaces: only the email asked for counts, as elsewhere.
    const row = rows.find((candidate) => normalizeEmail(String(candidate[emailKey])) === email)
    // An unknown user, or one whose stored hash cannot be checked, costs one
    // password check all the same.
    if (row === undefined || !isPasswordHash(row[HASH])) {
      await verifyPassword(password, await timingDummyHash())
      return null
    }
    const { [HASH]: hash, ...user } = row
    if (!await verifyPassword(password, hash as string)) return null
    if (activeKey !== undefined && user[activeKey] === false) return null
    return user as User
  }
}
