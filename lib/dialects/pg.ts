import { is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { driverError, type Dialect, type AnyDatabase, type AnyQuery, type AnyTable, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/pg.js'
import { deleteAllBut, newestOthers } from './trim.js'

/** node-postgres: named prepared statements, rowCount for writes, advisory locks. */
export function pgDialect (db: AnyDatabase): Dialect {
  return {
    name: 'pg',
    db,
    prepare (query: AnyQuery, name: string) {
      // PostgreSQL prepares by name on each pooled connection, once.
      const prepared = query.prepare(name)
      return (values) => prepared.execute(values)
    },
    async all (query: AnyQuery) {
      return await query
    },
    async write (query: AnyQuery) {
      const result = await query
      return result.rowCount ?? 0
    },
    async insertToken (insert: TokenInsert) {
      await db.transaction(async (tx: AnyDatabase) => {
        if (insert.keep !== null) {
          // Concurrent logins of one user queue here, so each sees the rows
          // the others committed and the limit holds. The lock ends with the
          // transaction.
          await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`access-tokens:${String(insert.ownerId)}`}, 0))`)
        }
        await tx.insert(insert.table).values(insert.values)
        if (insert.keep !== null) {
          await deleteAllBut(tx, insert, newestOthers(tx, insert))
        }
      })
    },
    isUniqueViolation (error: unknown) {
      return driverError(error).code === '23505'
    },
    ownsTable (table: AnyTable) {
      return is(table, PgTable)
    },
    defaults: { users, accessTokens },
    async migrate (migrationsFolder, migrationsTable) {
      const { migrate } = await import('drizzle-orm/node-postgres/migrator')
      await migrate(db, { migrationsFolder, migrationsTable })
    }
  }
}
