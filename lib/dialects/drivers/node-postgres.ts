import { fillPlaceholders } from 'drizzle-orm'
import type { AnyDatabase, AnyQuery, Driver, Select } from '../types.js'
import { rowMapper } from '../rows.js'
import { migrateWith } from './migrator.js'
import { forwarded } from './forward.js'

/**
 * The parts of a Drizzle 0.45 node-postgres prepared query the fast path
 * reads: not Drizzle's public API, pinned by test/drizzle-internals.test.ts.
 * Drizzle 1.x has no such parts; its own prepared query is used instead.
 */
export function fastPathParts (prepared: AnyQuery): boolean {
  return typeof prepared?.client?.query === 'function' && typeof prepared.queryConfig?.text === 'string' &&
    Array.isArray(prepared.params) && Array.isArray(prepared.fields) && typeof prepared.logger?.logQuery === 'function'
}

/**
 * A prepared select run by node-postgres directly. PostgreSQL prepares by
 * name on each pooled connection, once. The query config is Drizzle's own
 * (name, array rows, its type parsers); rowMapper maps the rows without
 * Drizzle's per-row field walk.
 */
export function directSelect<Row> (prepared: AnyQuery): Select<Row> {
  const { client, queryConfig, params, logger, fields } = prepared
  const toRows = rowMapper<Row>(fields)
  return async function select (values) {
    const bound = fillPlaceholders(params, values)
    logger.logQuery(queryConfig.text, bound)
    const result = await client.query(queryConfig, bound)
    return toRows(result.rows)
  }
}

/** pg.Pool, told from a single pg.Client (which has no pool counters). */
function isPool (client: AnyDatabase): boolean {
  return typeof client?.connect === 'function' && typeof client?.totalCount === 'number'
}

/**
 * `target`, a pg Pool or a connection checked out of it, with `query_timeout`
 * on every query: pg fails a query that outlives it, and a connection
 * released with that error is destroyed by pg-pool, not taken back.
 */
function withQueryTimeout (target: AnyDatabase, ms: number): AnyDatabase {
  // Drizzle sends a query config object, built once per prepared statement:
  // each gets its timed copy once (pg reads a config, never changes it).
  const timed = new WeakMap<object, object>()
  function query (config: Record<string, unknown>, values?: unknown[]): Promise<unknown> {
    let copy = timed.get(config)
    if (copy === undefined) {
      copy = { ...config, query_timeout: ms }
      timed.set(config, copy)
    }
    return target.query(copy, values)
  }
  const connect = async (): Promise<AnyDatabase> => withQueryTimeout(await target.connect(), ms)
  return new Proxy(target, {
    get (object, key) {
      if (key === 'query') return query
      if (key === 'connect') return connect
      return forwarded(object, key)
    }
  })
}

/**
 * node-postgres: named prepared statements, rowCount for writes, a
 * transaction on a pooled connection the driver holds itself.
 */
export const nodePostgres: Driver = {
  name: 'node-postgres',
  family: 'pg',
  databaseKind: 'NodePgDatabase',
  prepare<Row> (_db: AnyDatabase, query: AnyQuery, name: string) {
    const prepared = query.prepare(name)
    if (fastPathParts(prepared)) return directSelect<Row>(prepared)
    return (values) => prepared.execute(values)
  },
  async all (query) {
    return await query
  },
  async write (query) {
    const result = await query
    return result.rowCount ?? 0
  },
  /**
   * `db.transaction(work)`, holding the pooled connection itself. drizzle-orm's
   * node-postgres transaction() (0.45) runs BEGIN before the try/finally that
   * releases the connection, and releases it without the error: a BEGIN that
   * fails (a dead connection, a query_timeout) loses the connection for good,
   * and a failed ROLLBACK puts a broken one back in the pool
   * (drizzle-team/drizzle-orm#6023, #6114). A few such failures during an
   * outage would leave the pool empty after it.
   */
  async transaction (db, work) {
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
  },
  async boundedPool (db, ms) {
    if (!isPool(db.$client)) return null
    const { drizzle } = await import('drizzle-orm/node-postgres')
    const client = withQueryTimeout(db.$client, ms)
    return drizzle({ client })
  },
  migrate: (db, folder, table) => migrateWith('node-postgres', db, folder, table)
}
