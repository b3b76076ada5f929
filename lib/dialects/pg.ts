import { is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { driverError, type DrizzleTable, type PgDatabase, type PgDialect, type PgDriver, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/pg.js'
import { allBut, countedTokens, newestOthers } from './trim.js'

/** PostgreSQL: advisory locks for the per-user limit, SQLSTATE 23505 for a unique violation. */
export function pgDialect (db: PgDatabase, driver: PgDriver): PgDialect {
  const transaction = driver.transaction
  return {
    name: 'pg',
    driver: driver.name,
    db,
    prepare: (query, name) => driver.prepare(db, query, name),
    all: (query) => driver.all(query),
    write: (query) => driver.write(query),
    async insertToken (insert: TokenInsert) {
      if (insert.keep === null) {
        // One statement is a transaction of its own.
        await driver.write(db.insert(insert.table).values(insert.values))
        return true
      }
      let inserted = false
      await transaction(db, async (tx) => {
        // Concurrent logins of one user queue here, so each sees the rows
        // the others committed and the limit holds. The lock ends with the
        // transaction.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`access-tokens:${String(insert.ownerId)}`}, 0))`)
        if (insert.atLimit === 'refuse' && (await countedTokens(tx, insert)).length >= insert.keep!) return
        await tx.insert(insert.table).values(insert.values)
        if (insert.atLimit !== 'refuse') {
          const evicted = await tx.delete(insert.table).where(allBut(insert, newestOthers(tx, insert))).returning({ token: insert.token }) as Array<{ token: string }>
          if (evicted.length > 0) await insert.publish?.(tx, evicted.map((row) => row.token))
        }
        inserted = true
      })
      return inserted
    },
    isUniqueViolation (error: unknown) {
      return driverError(error).code === '23505'
    },
    ownsTable (table: DrizzleTable) {
      return is(table, PgTable)
    },
    defaults: { userTable: users, tokenTable: accessTokens },
    migrate: (folder, table) => driver.migrate(db, folder, table),
    async boundedPool (ms) {
      const pooled = await driver.boundedPool?.(db, ms)
      return pooled == null ? null : { ...pgDialect(pooled.db, driver), close: async () => pooled.close() }
    },
    close: async () => {}
  }
}
