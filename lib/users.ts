import { eq, or } from 'drizzle-orm'
import { requireDialect } from './dialects/index.js'
import { resolveUserTable } from './tables.js'
import { hashPassword } from './password.js'
import { storeUnavailable, USER_ALREADY_EXISTS } from './errors.js'
import { FLAGS } from './flags.js'
import type { Credentials, DefaultUser, DrizzleDatabase, DrizzleTable, MySqlDrizzleDatabase, MySqlDrizzleTable, NewUser, PgDrizzleDatabase, PgDrizzleTable, SQLiteDrizzleDatabase, SQLiteDrizzleTable } from './types.js'

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
export function storedForms (email: string): { email: string, decomposed: string } {
  return { email, decomposed: email.normalize('NFD') }
}

/**
 * Inserts a user with a hashed password into the default (or given) user
 * table and returns the user object. A taken email is USER_ALREADY_EXISTS.
 * A `users` table is of the database's dialect.
 */
export async function createUser<User = DefaultUser> (database: DrizzleDatabase, input: NewUser, options?: { users?: undefined }): Promise<User>
export async function createUser<User = DefaultUser> (database: MySqlDrizzleDatabase, input: NewUser, options?: { users?: MySqlDrizzleTable }): Promise<User>
export async function createUser<User = DefaultUser> (database: PgDrizzleDatabase, input: NewUser, options?: { users?: PgDrizzleTable }): Promise<User>
export async function createUser<User = DefaultUser> (database: SQLiteDrizzleDatabase, input: NewUser, options?: { users?: SQLiteDrizzleTable }): Promise<User>
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
