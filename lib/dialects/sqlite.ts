import { fillPlaceholders, is } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { driverError, type Dialect, type AnyDatabase, type AnyQuery, type AnyTable, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/sqlite.js'
import { deleteAllBut, newestOthers } from './trim.js'
import { rowMapper } from './rows.js'

const UNIQUE_VIOLATIONS = new Set<unknown>(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'])

/**
 * Runs a prepared select through better-sqlite3 in raw (array) mode, mapped
 * by `rowMapper`. Drizzle's logger, when one is set, still sees each query.
 */
function directSelect<Row> (prepared: AnyQuery): (values: Record<string, unknown>) => Row[] {
  const { sql, params } = prepared.query
  const logger = prepared.logger
  const statement = prepared.stmt.raw(true)
  const toRows = rowMapper<Row>(prepared.fields)
  return function select (values) {
    const bound = fillPlaceholders(params, values)
    logger.logQuery(sql, bound)
    return toRows(statement.all(...bound))
  }
}

/**
 * better-sqlite3: a synchronous driver. Queries answer at once, and a
 * transaction is a synchronous function, so nothing else can run inside it.
 */
export function sqliteDialect (db: AnyDatabase): Dialect {
  return {
    name: 'sqlite',
    db,
    prepare<Row> (query: AnyQuery) {
      return directSelect<Row>(query.prepare())
    },
    async all (query: AnyQuery) {
      return query.all()
    },
    async write (query: AnyQuery) {
      return query.run().changes
    },
    async insertToken (insert: TokenInsert) {
      // IMMEDIATE takes the write lock at BEGIN, so two processes sharing the
      // file cannot both count the same rows and exceed the limit.
      db.transaction((tx: AnyDatabase) => {
        tx.insert(insert.table).values(insert.values).run()
        if (insert.keep !== null) {
          const evicted: Array<{ token: string }> = deleteAllBut(tx, insert, newestOthers(tx, insert)).returning({ token: insert.token }).all()
          if (evicted.length > 0) insert.publish?.(tx, evicted.map((row) => row.token))?.run()
        }
      }, { behavior: 'immediate' })
    },
    isUniqueViolation (error: unknown) {
      return UNIQUE_VIOLATIONS.has(driverError(error).code)
    },
    ownsTable (table: AnyTable) {
      return is(table, SQLiteTable)
    },
    defaults: { users, accessTokens },
    async migrate (migrationsFolder, migrationsTable) {
      const { migrate } = await import('drizzle-orm/better-sqlite3/migrator')
      migrate(db, { migrationsFolder, migrationsTable })
    }
  }
}
