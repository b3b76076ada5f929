import { entityKind, is } from 'drizzle-orm'
import { MySqlDatabase } from 'drizzle-orm/mysql-core'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import type { AnyDatabase, Dialect } from './types.js'
import { sqliteDialect } from './sqlite.js'
import { pgDialect } from './pg.js'
import { mysqlDialect } from './mysql.js'

export type { Dialect, DialectName, AnyDatabase } from './types.js'

// The drivers whose sessions the dialects are written for: other drivers of
// the same databases (postgres-js, PGlite, bun:sqlite...) prepare and run
// queries differently.
const SESSIONS: Record<string, (db: AnyDatabase) => Dialect> = {
  BetterSQLiteSession: sqliteDialect,
  NodePgSession: pgDialect,
  MySql2Session: mysqlDialect
}

/**
 * The dialect of a Drizzle database, or null when it is none of ours.
 * `is()` rather than `instanceof`, so two copies of drizzle-orm still agree.
 */
export function dialectOf (db: AnyDatabase): Dialect | null {
  if (db === null || typeof db !== 'object') return null
  if (!is(db, BaseSQLiteDatabase) && !is(db, PgDatabase) && !is(db, MySqlDatabase)) return null
  const session = (db as AnyDatabase).session?.constructor?.[entityKind]
  return Object.hasOwn(SESSIONS, session) ? SESSIONS[session](db) : null
}

/** The dialect of `database`, or a TypeError naming what was expected. */
export function requireDialect (database: AnyDatabase): Dialect {
  const dialect = dialectOf(database)
  if (dialect === null) throw new TypeError('expected a Drizzle database on better-sqlite3, node-postgres or mysql2')
  return dialect
}
