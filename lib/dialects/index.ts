import { is } from 'drizzle-orm'
import { MySqlDatabase } from 'drizzle-orm/mysql-core'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import type { AnyDatabase, Dialect } from './types.js'
import { sqliteDialect } from './sqlite.js'
import { pgDialect } from './pg.js'
import { mysqlDialect } from './mysql.js'

export type { Dialect, DialectName, AnyDatabase } from './types.js'

/**
 * The dialect of a Drizzle database, or null when it is none of ours.
 * `is()` rather than `instanceof`, so two copies of drizzle-orm still agree.
 */
export function dialectOf (db: AnyDatabase): Dialect | null {
  if (db === null || typeof db !== 'object') return null
  // better-sqlite3 is synchronous; async SQLite drivers need other transactions.
  if (is(db, BaseSQLiteDatabase) && (db as AnyDatabase).resultKind === 'sync') return sqliteDialect(db)
  if (is(db, PgDatabase)) return pgDialect(db)
  if (is(db, MySqlDatabase)) return mysqlDialect(db)
  return null
}
