import { randomUUID } from 'node:crypto'
import { customType, index, integer, sqliteTable, text, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import { indexName, sameValuesAs } from './user-id.js'

// SQLite's autoincrement is a property of an integer primary key, not a type.
const AUTO_INCREMENT_TYPES = {}

/** The default user table, `user`. Emails are stored lower-cased. */
export const users = sqliteTable('user', {
  id: text('id').primaryKey().$defaultFn(() => randomUUID()),
  email: text('email').notNull().unique(),
  hashedPassword: text('hashed_password').notNull(),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
  isSuperuser: integer('is_superuser', { mode: 'boolean' }).notNull().default(false),
  isVerified: integer('is_verified', { mode: 'boolean' }).notNull().default(false)
})

/**
 * An access-token table whose `user_id` references `usersIdColumn` with the
 * same SQL type (text, integer...) and `on delete cascade`.
 */
export function defineAccessTokenTable<TId extends AnySQLiteColumn> (usersIdColumn: TId, options: { name?: string } = {}) {
  const name = options.name ?? 'access_token'
  const userId = customType<{ data: TId['_']['data'], driverData: unknown }>(sameValuesAs(usersIdColumn, AUTO_INCREMENT_TYPES))
  return sqliteTable(name, {
    token: text('token').primaryKey(),
    userId: userId('user_id').notNull().references(() => usersIdColumn, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    // API keys (NULL kind: a login from before these columns existed).
    kind: text('kind'),
    name: text('name'),
    scopes: text('scopes'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' })
  }, (table) => [
    index(indexName(name, 'user_id')).on(table.userId),
    index(indexName(name, 'created_at')).on(table.createdAt),
    // Pruning finds expired API keys by it.
    index(indexName(name, 'expires_at')).on(table.expiresAt)
  ])
}

/** The default access-token table, `access_token`. */
export const accessTokens = defineAccessTokenTable(users.id)
