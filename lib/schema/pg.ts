import { randomUUID } from 'node:crypto'
import { boolean, customType, index, pgTable, text, timestamp, uuid, varchar, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { indexName, sameValuesAs } from './user-id.js'

// serial types make ids; a reference to one holds the plain integer type.
const AUTO_INCREMENT_TYPES = { serial: 'integer', smallserial: 'smallint', bigserial: 'bigint' }

/** The default user table, `user`. Emails are stored lower-cased. */
export const users = pgTable('user', {
  id: uuid('id').primaryKey().$defaultFn(() => randomUUID()),
  email: text('email').notNull().unique(),
  hashedPassword: text('hashed_password').notNull(),
  isActive: boolean('is_active').notNull().default(true),
  isSuperuser: boolean('is_superuser').notNull().default(false),
  isVerified: boolean('is_verified').notNull().default(false)
})

/**
 * An access-token table whose `user_id` references `usersIdColumn` with the
 * same SQL type (uuid, integer, bigint...) and `on delete cascade`.
 */
export function defineAccessTokenTable<TId extends AnyPgColumn> (usersIdColumn: TId, options: { name?: string } = {}) {
  const name = options.name ?? 'access_token'
  const userId = customType<{ data: TId['_']['data'], driverData: unknown }>(sameValuesAs(usersIdColumn, AUTO_INCREMENT_TYPES))
  return pgTable(name, {
    token: varchar('token', { length: 64 }).primaryKey(),
    userId: userId('user_id').notNull().references(() => usersIdColumn, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3, mode: 'date' }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    // API keys (NULL kind: a login from before these columns existed).
    kind: varchar('kind', { length: 16 }),
    name: varchar('name', { length: 100 }),
    scopes: text('scopes'),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3, mode: 'date' })
  }, (table) => [
    index(indexName(name, 'user_id')).on(table.userId),
    index(indexName(name, 'created_at')).on(table.createdAt),
    // Pruning finds expired API keys by it.
    index(indexName(name, 'expires_at')).on(table.expiresAt)
  ])
}

/** The default access-token table, `access_token`. */
export const accessTokens = defineAccessTokenTable(users.id)
