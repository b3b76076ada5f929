import type { AnyDatabase, AnyQuery, Driver } from '../types.js'
import { migrateWith } from './migrator.js'
import { forwarded } from './forward.js'

/**
 * A postgres.js query: a promise that can be cancelled. `state` and `active`
 * are not postgres.js's public API; they are pinned by
 * test/drizzle-internals.test.ts.
 */
export interface PendingQuery extends Promise<unknown> {
  cancel(): unknown
  /** The connection's backend key once the query was sent on one; null before. */
  state?: unknown
  /** Whether the query is the one its connection's server is running. */
  active?: unknown
}

/**
 * Whether cancelling `query` is safe: not yet sent (it leaves the queue), or
 * running at the head of its connection (PostgreSQL cancels it). A query
 * sent behind another one is left alone: postgres.js drops a cancelled
 * query of its pipeline from its list while the server still answers it,
 * and that answer would be read as the next query's. It ends when the query
 * ahead of it does.
 */
export function safeToCancel (query: PendingQuery): boolean {
  return query.state === null || query.active === true
}

/**
 * `sql`, a postgres.js client or the transaction's client `begin` hands
 * out, whose queries are cancelled once they outlive `ms`. A query still
 * waiting for its connection leaves it and fails, so it cannot run after
 * its request was answered 503; a query in flight gets PostgreSQL's
 * CancelRequest, sent on a connection of its own, which ends a query stuck
 * behind a lock at once and frees its connection. postgres.js offers no way
 * to destroy a connection: one whose server stopped answering (a partition)
 * stays busy until the network delivers again or TCP keepalive gives up.
 */
function cancelling (sql: AnyDatabase, ms: number): AnyDatabase {
  function unsafe (...args: unknown[]): PendingQuery {
    const query: PendingQuery = sql.unsafe(...args)
    const timer = setTimeout(() => { if (safeToCancel(query)) query.cancel() }, ms)
    // Drizzle awaits the query at once, so attaching here starts nothing early.
    const done = (): void => { clearTimeout(timer) }
    query.then(done, done)
    return query
  }
  async function begin (...args: unknown[]): Promise<unknown> {
    const work = args.pop() as (tx: AnyDatabase) => Promise<unknown>
    return sql.begin(...args, async (tx: AnyDatabase) => work(cancelling(tx, ms)))
  }
  return new Proxy(sql, {
    get (object, key) {
      if (key === 'unsafe') return unsafe
      if (key === 'begin') return begin
      return forwarded(object, key)
    }
  })
}

/**
 * postgres.js: Drizzle's prepared query as it is (postgres.js prepares each
 * statement on each connection itself), `count` for writes, and a
 * transaction on a connection postgres.js reserves for it (`sql.begin`).
 */
export const postgresJs: Driver = {
  name: 'postgres-js',
  family: 'pg',
  databaseKind: 'PostgresJsDatabase',
  prepare<Row> (_db: AnyDatabase, query: AnyQuery, name: string) {
    const prepared = query.prepare(name)
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.execute(values)
  },
  async all (query) {
    return await query
  },
  async write (query) {
    return (await query).count
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  async boundedPool (db, ms) {
    // Anything else (a stand-in client) is left as it is; registration refuses what it cannot use.
    if (typeof db.$client?.unsafe !== 'function') return null
    const { drizzle } = await import('drizzle-orm/postgres-js')
    return drizzle({ client: cancelling(db.$client, ms) })
  },
  migrate: (db, folder, table) => migrateWith('postgres-js', db, folder, table)
}
