import { fillPlaceholders } from 'drizzle-orm'
import type { Pool, PoolClient, QueryConfig } from 'pg'
import type { PgDatabase, PgDriver, Query, Select, SelectQuery } from '../types.js'
import { rowMapper, type SelectedField } from '../rows.js'
import { migrateWith } from './migrator.js'
import type { Prepares } from './prepared.js'
import { forwarded } from './forward.js'

/**
 * The parts of a Drizzle 0.45 node-postgres prepared query the fast path
 * reads: not Drizzle's public API, pinned by test/drizzle-internals.test.ts.
 * Drizzle 1.x has no such parts; its own prepared query is used instead.
 */
export interface FastPathParts {
  client: { query(config: QueryConfig, values: unknown[]): Promise<{ rows: unknown[][] }> }
  queryConfig: QueryConfig
  params: unknown[]
  fields: SelectedField[]
  logger: { logQuery(sql: string, params: unknown[]): void }
}

/** Whether a prepared query has the parts the fast path reads. */
export function fastPathParts (prepared: object | null | undefined): prepared is FastPathParts {
  const parts = prepared as Partial<FastPathParts> | null | undefined
  return typeof parts?.client?.query === 'function' && typeof parts.queryConfig?.text === 'string' &&
    Array.isArray(parts.params) && Array.isArray(parts.fields) && typeof parts.logger?.logQuery === 'function'
}

/**
 * A prepared select run by node-postgres directly. PostgreSQL prepares by
 * name on each pooled connection, once. The query config is Drizzle's own
 * (name, array rows, its type parsers); rowMapper maps the rows without
 * Drizzle's per-row field walk.
 */
export function directSelect<Row> (prepared: FastPathParts): Select<Row> {
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
function isPool (client: unknown): client is Pool {
  const pool = client as Partial<Pool> | null | undefined
  return typeof pool?.connect === 'function' && typeof pool?.totalCount === 'number'
}

/**
 * `target`, a pg Pool or a connection checked out of it, with `query_timeout`
 * on every query: pg fails a query that outlives it, and a connection
 * released with that error is destroyed by pg-pool, not taken back.
 */
function withQueryTimeout<Target extends Pool | PoolClient> (target: Target, ms: number): Target {
  const queryable: { query(config: QueryConfig, values?: unknown[]): Promise<unknown> } = target
  // Drizzle sends a query config object, built once per prepared statement:
  // each gets its timed copy once (pg reads a config, never changes it).
  // (pg reads query_timeout from a query's config too, which its types omit.)
  const timed = new WeakMap<QueryConfig, QueryConfig & { query_timeout: number }>()
  function query (config: QueryConfig, values?: unknown[]): Promise<unknown> {
    let copy = timed.get(config)
    if (copy === undefined) {
      copy = { ...config, query_timeout: ms }
      timed.set(config, copy)
    }
    return queryable.query(copy, values)
  }
  // Drizzle connects only through the pool (for a transaction).
  const connect = async (): Promise<PoolClient> => withQueryTimeout(await (target as Pool).connect(), ms)
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
export const nodePostgres: PgDriver = {
  name: 'node-postgres',
  family: 'pg',
  databaseKind: 'NodePgDatabase',
  prepare<Row> (_db: PgDatabase, query: SelectQuery, name: string): Select<Row> {
    const prepared = (query as SelectQuery & Prepares).prepare(name)
    if (fastPathParts(prepared)) return directSelect<Row>(prepared)
    return (values) => prepared.execute(values) as Promise<Row[]>
  },
  async all<Row> (query: SelectQuery) {
    return await query as Row[]
  },
  async write (query: Query) {
    const result = await query as { rowCount: number | null }
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
    // On the application's pool, which the application ends.
    return { db: drizzle({ client }), close: async () => {} }
  },
  migrate: (db, folder, table) => migrateWith('node-postgres', db, folder, table)
}
