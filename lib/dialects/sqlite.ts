import { is } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { driverError, type Dialect, type AnyDatabase, type AnyTable, type Driver, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/sqlite.js'
import { deleteAllBut, newestOthers } from './trim.js'

/** better-sqlite3 and node:sqlite name the constraint; libSQL's result codes say the same. */
const UNIQUE_VIOLATIONS = new Set<unknown>(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'])

/** node:sqlite reports the extended result code as a number: 2067 unique, 1555 primary key. */
const UNIQUE_ERRCODES = new Set<unknown>([2067, 1555])

function isUniqueViolation (error: unknown): boolean {
  const cause = driverError(error) as { code?: unknown, errcode?: unknown, extendedCode?: unknown }
  return UNIQUE_VIOLATIONS.has(cause.code) || UNIQUE_VIOLATIONS.has(cause.extendedCode) || UNIQUE_ERRCODES.has(cause.errcode)
}

/**
 * SQLite: the per-user limit is two statements (insert, then delete all but
 * the newest) that need no answer in between, run atomically by the driver
 * with the write lock taken at the start.
 */
export function sqliteDialect (db: AnyDatabase, driver: Driver): Dialect {
  const atomically = driver.atomically!
  return {
    name: 'sqlite',
    driver: driver.name,
    db,
    prepare: (query, name) => driver.prepare(db, query, name),
    all: (query) => driver.all(query),
    write: (query) => driver.write(query),
    async insertToken (insert: TokenInsert) {
      await atomically(db, (tx) => insert.keep === null
        ? [tx.insert(insert.table).values(insert.values)]
        : [tx.insert(insert.table).values(insert.values), deleteAllBut(tx, insert, newestOthers(tx, insert))])
    },
    isUniqueViolation,
    ownsTable (table: AnyTable) {
      return is(table, SQLiteTable)
    },
    defaults: { users, accessTokens },
    migrate: (folder, table) => driver.migrate(db, folder, table)
  }
}
