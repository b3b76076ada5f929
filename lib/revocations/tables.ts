import { integer as sqliteInteger, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core'
import { bigint, datetime, mysqlTable, text as mysqlText } from 'drizzle-orm/mysql-core'

/**
 * The revocation log of SQLite files and MySQL: one row per revocation,
 * read by every instance with `id > last seen`, pruned after a few minutes.
 * PostgreSQL needs none: its notifications travel through LISTEN/NOTIFY.
 * Created by the migrations in drizzle/sqlite and drizzle/mysql.
 */
export const LOG_TABLE = 'access_token_revocation'

/** AUTOINCREMENT: ids are never reused, even after the newest rows are pruned. */
export const sqliteLog = sqliteTable(LOG_TABLE, {
  id: sqliteInteger('id').primaryKey({ autoIncrement: true }),
  createdAt: sqliteInteger('created_at', { mode: 'timestamp_ms' }).notNull(),
  subject: sqliteText('subject').notNull()
})

export const mysqlLog = mysqlTable(LOG_TABLE, {
  id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
  createdAt: datetime('created_at', { fsp: 3 }).notNull(),
  subject: mysqlText('subject').notNull()
})

export type LogTable = typeof sqliteLog | typeof mysqlLog
