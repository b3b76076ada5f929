import type { Sql, TransactionSql } from 'postgres'
import type { PgDriver, Query, SelectQuery } from '../types.js'
import { migrateWith } from './migrator.js'
import { drizzlePrepared } from './prepared.js'
import { forwarded } from './forward.js'

/**
 * A postgres.js query. `active` and `canceller` are not postgres.js's public
 * API; they are pinned by test/drizzle-internals.test.ts.
 */
export interface PendingQuery extends Promise<unknown> {
  /** Whether the query is the one its connection's server is running. */
  active?: unknown
  /** What `cancel()` calls: it sends PostgreSQL's cancel request for a running query. */
  canceller?: ((query: PendingQuery) => Promise<unknown>) | null
}

/**
 * Cancels `query` when its connection's server is running it: PostgreSQL
 * ends the statement (one stuck behind a lock, say) and the connection
 * serves again. Any other query is left alone:
 * - one sent behind another on its connection: postgres.js would drop it
 *   from its list while the server still answers it, and that answer would
 *   be read as the next query's;
 * - one waiting for a connection, or the first of a connection still
 *   opening: postgres.js would never hand that connection out again.
 * The cancel request goes on a connection of its own, and postgres.js's
 * `cancel()` drops the promise of that attempt: a refused connection would
 * be an unhandled rejection, so the canceller is called here, and its
 * failure ignored.
 */
export function cancelIfRunning (query: PendingQuery): void {
  const canceller = query.canceller
  if (query.active !== true || typeof canceller !== 'function') return
  query.canceller = null
  canceller(query).catch(() => {})
}

/**
 * `sql`, a postgres.js client or the transaction's client `begin` hands
 * out, whose running queries are cancelled once they outlive `ms`
 * (cancelIfRunning). postgres.js offers no way to destroy a connection: one
 * whose server stopped answering (a partition) stays busy until the network
 * delivers again or TCP keepalive gives up, and a query queued behind it
 * runs then.
 */
function cancelling<Client extends Sql | TransactionSql> (sql: Client, ms: number): Client {
  function unsafe (...args: Parameters<Sql['unsafe']>): PendingQuery {
    const query: PendingQuery = sql.unsafe(...args)
    const timer = setTimeout(() => cancelIfRunning(query), ms)
    // This sends the query (postgres.js starts one at its first `then`);
    // Drizzle's `.values()`, called next, is read only when rows arrive.
    const done = (): void => { clearTimeout(timer) }
    query.then(done, done)
    return query
  }
  // `begin([options,] work)`, as Drizzle calls it on the client (a
  // transaction's own client has none: Drizzle nests with savepoints); the
  // options, if any, are passed on as they came.
  async function begin (...args: unknown[]): Promise<unknown> {
    const work = args.pop() as TransactionWork
    return (sql as Sql).begin(...(args as []), async (tx) => work(cancelling(tx, ms)))
  }
  return new Proxy(sql, {
    get (object, key) {
      if (key === 'unsafe') return unsafe
      if (key === 'begin') return begin
      return forwarded(object, key)
    }
  })
}

/** What Drizzle runs in a postgres.js transaction. */
type TransactionWork = (tx: TransactionSql) => Promise<unknown>

/**
 * postgres.js: Drizzle's prepared query as it is (postgres.js prepares each
 * statement on each connection itself), `count` for writes, and a
 * transaction on a connection postgres.js reserves for it (`sql.begin`).
 */
export const postgresJs: PgDriver = {
  name: 'postgres-js',
  family: 'pg',
  databaseKind: 'PostgresJsDatabase',
  prepare: (_db, query, name) => drizzlePrepared(query, name),
  async all<Row> (query: SelectQuery) {
    return await query as Row[]
  },
  async write (query: Query) {
    return (await query as { count: number }).count
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  async boundedPool (db, ms) {
    // Anything else (a stand-in client) is left as it is; registration refuses what it cannot use.
    const client = db.$client as Sql | undefined
    if (typeof client?.unsafe !== 'function') return null
    const { drizzle } = await import('drizzle-orm/postgres-js')
    return drizzle({ client: cancelling(client, ms) })
  },
  migrate: (db, folder, table) => migrateWith('postgres-js', db, folder, table)
}
