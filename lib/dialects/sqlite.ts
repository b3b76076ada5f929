import { eq, is } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { driverError, type DrizzleTable, type Query, type SQLiteDatabase, type SQLiteDialect, type SQLiteDriver, type SQLiteQueryBuilder, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/sqlite.js'
import { deleteAllBut, newestOthers, refuseOverLimit, selectAllBut } from './trim.js'

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
export function sqliteDialect (db: SQLiteDatabase, driver: SQLiteDriver): SQLiteDialect {
  const atomically = driver.atomically
  return {
    name: 'sqlite',
    driver: driver.name,
    db,
    prepare: (query, name) => driver.prepare(db, query, name),
    all: (query) => driver.all(query),
    write: (query) => driver.write(query),
    async insertToken (insert: TokenInsert) {
      const statements = (tx: SQLiteQueryBuilder): Query[] => {
        const insertRow = tx.insert(insert.table).values(insert.values)
        if (insert.keep === null) return [insertRow]
        if (insert.atLimit === 'refuse') return [insertRow, refuseOverLimit(tx, insert)]
        // The revocation of the evicted is published from the very rows the
        // delete takes, just before it, in the same transaction.
        const trim = (): Query => deleteAllBut(tx, insert, newestOthers(tx, insert))
        const publish = insert.publishSelected?.(tx, selectAllBut(tx, insert, newestOthers(tx, insert))) ?? null
        return publish === null ? [insertRow, trim()] : [insertRow, publish, trim()]
      }
      await atomically(db, statements)
      if (insert.keep === null || insert.atLimit !== 'refuse') return true
      // Refused when the second statement took the new row out again.
      const found = await driver.all(db.select({ token: insert.token }).from(insert.table).where(eq(insert.token, insert.digest)))
      return found.length > 0
    },
    isUniqueViolation,
    ownsTable (table: DrizzleTable) {
      return is(table, SQLiteTable)
    },
    defaults: { userTable: users, tokenTable: accessTokens },
    migrate: (folder, table) => driver.migrate(db, folder, table),
    // A file has no pool: its calls are bounded by the busy timeout.
    boundedPool: async () => null,
    close: async () => {}
  }
}
