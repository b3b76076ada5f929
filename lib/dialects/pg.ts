import { fillPlaceholders, is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { driverError, type Dialect, type AnyDatabase, type AnyQuery, type AnyTable, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/pg.js'
import { deleteAllBut, newestOthers } from './trim.js'
import { rowMapper } from './rows.js'

/** pg.Pool, told from a single pg.Client (which has no pool counters). */
function isPool (client: AnyDatabase): boolean {
  return typeof client?.connect === 'function' && typeof client?.totalCount === 'number'
}

/**
 * `db.transaction(work)`, holding the pooled connection itself. drizzle-orm's
 * node-postgres transaction() (0.45) runs BEGIN before the try/finally that
 * releases the connection, and releases it without the error: a BEGIN that
 * fails (a dead connection, a query_timeout) loses the connection for good,
 * and a failed ROLLBACK puts a broken one back in the pool
 * (drizzle-team/drizzle-orm#6023, #6114). A few such failures during an
 * outage would leave the pool empty after it.
 */
async function inTransaction (db: AnyDatabase, work: (tx: AnyDatabase) => Promise<void>): Promise<void> {
  const pool = db.$client
  if (!isPool(pool)) return db.transaction(work)
  // Loaded only here: the package serves SQLite users, who have no pg.
  const { drizzle } = await import('drizzle-orm/node-postgres')
  const client = await pool.connect()
  // A connection lost while checked out is an 'error' of the client, which
  // pg-pool listens for only while the client is idle: unheard, it would end
  // the process. The query in flight fails with it anyway.
  let failed = false
  const lost = (): void => { failed = true }
  client.on('error', lost)
  try {
    await drizzle({ client }).transaction(work)
  } catch (error) {
    failed = true
    throw error
  } finally {
    // With an error, pg-pool destroys the connection instead of reusing it;
    // the listener stays for what the closing connection may still report.
    client.release(failed)
    if (!failed) client.off('error', lost)
  }
}

/** node-postgres: named prepared statements, rowCount for writes, advisory locks. */
export function pgDialect (db: AnyDatabase): Dialect {
  return {
    name: 'pg',
    db,
    prepare<Row> (query: AnyQuery, name: string) {
      // PostgreSQL prepares by name on each pooled connection, once. The
      // query config is Drizzle's own (name, array rows, its type parsers);
      // rowMapper maps the rows without Drizzle's per-row field walk.
      const { client, queryConfig, params, logger, fields } = query.prepare(name)
      const toRows = rowMapper<Row>(fields)
      return async function select (values) {
        const bound = fillPlaceholders(params, values)
        logger.logQuery(queryConfig.text, bound)
        const result = await client.query(queryConfig, bound)
        return toRows(result.rows)
      }
    },
    async all (query: AnyQuery) {
      return await query
    },
    async write (query: AnyQuery) {
      const result = await query
      return result.rowCount ?? 0
    },
    async insertToken (insert: TokenInsert) {
      if (insert.keep === null) {
        // One statement is a transaction of its own.
        await db.insert(insert.table).values(insert.values)
        return
      }
      await inTransaction(db, async (tx: AnyDatabase) => {
        // Concurrent logins of one user queue here, so each sees the rows
        // the others committed and the limit holds. The lock ends with the
        // transaction.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`access-tokens:${String(insert.ownerId)}`}, 0))`)
        await tx.insert(insert.table).values(insert.values)
        const evicted: Array<{ token: string }> = await deleteAllBut(tx, insert, newestOthers(tx, insert)).returning({ token: insert.token })
        if (evicted.length > 0) await insert.publish?.(tx, evicted.map((row) => row.token))
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
