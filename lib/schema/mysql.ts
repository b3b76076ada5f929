import { randomUUID } from 'node:crypto'
import { boolean, char, customType, datetime, index, mysqlTable, text, varchar, type AnyMySqlColumn } from 'drizzle-orm/mysql-core'
import { indexName, sameValuesAs } from './user-id.js'

// serial is bigint unsigned auto_increment; a reference holds bigint unsigned.
const AUTO_INCREMENT_TYPES = { serial: 'bigint unsigned' }

/** The default user table, `user`. Emails are stored lower-cased. */
export const users = mysqlTable('user', {
  id: char('id', { length: 36 }).primaryKey().$defaultFn(() => randomUUID()),
  email: varchar('email', { length: 320 }).notNull().unique(),
  hashedPassword: varchar('hashed_password', { length: 255 }).notNull(),
  isActive: boolean('is_active').notNull().default(true),
  isSuperuser: boolean('is_superuser').notNull().default(false),
  isVerified: boolean('is_verified').notNull().default(false)
})

// Digests are base64url, where case matters; MySQL's default collations
// ignore case (and trailing spaces), so the column compares bytes.
const tokenDigest = customType<{ data: string, driverData: string }>({
  dataType: () => 'varchar(64) character set ascii collate ascii_bin'
})

/**
 * An access-token table whose `user_id` references `usersIdColumn` with the
 * same SQL type (char(36), int, bigint unsigned...) and `on delete cascade`.
 */
export function defineAccessTokenTable<TId extends AnyMySqlColumn> (usersIdColumn: TId, options: { name?: string } = {}) {
  const name = options.name ?? 'access_token'
  const userId = customType<{ data: TId['_']['data'], driverData: unknown }>(sameValuesAs(usersIdColumn, AUTO_INCREMENT_TYPES))
  return mysqlTable(name, {
    token: tokenDigest('token').primaryKey(),
    userId: userId('user_id').notNull().references(() => usersIdColumn, { onDelete: 'cascade' }),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
    lastUsedAt: datetime('last_used_at', { mode: 'date', fsp: 3 }),
    userAgent: varchar('user_agent', { length: 512 }),
    ip: varchar('ip', { length: 64 }),
    // API keys (NULL kind: a login from before these columns existed).
    kind: varchar('kind', { length: 16 }),
    name: varchar('name', { length: 100 }),
    scopes: text('scopes'),
    expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 })
  }, (table) => [
    index(indexName(name, 'user_id')).on(table.userId),
    index(indexName(name, 'created_at')).on(table.createdAt),
    // Pruning finds expired API keys by it.
    index(indexName(name, 'expires_at')).on(table.expiresAt)
  ])
}

/** The default access-token table, `access_token`. */
export const accessTokens = defineAccessTokenTable(users.id)
