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
 * failure ignored. Whether a cancel request went out.
 */
export function cancelIfRunning (query: PendingQuery): boolean {
  const canceller = query.canceller
  if (query.active !== true || typeof canceller !== 'function') return false
  query.canceller = null
  canceller(query).catch(() => {})
  return true
}

/**
 * The plugin's own postgres.js client, made on the application client's
 * settings (`options`, as postgres.js's own `listen` makes its client), so
 * that the plugin can drop connections: postgres.js offers no way to
 * destroy one. A connection whose server stopped answering (a partition)
 * would stay busy until the network delivers again or TCP keepalive gives
 * up, and every query queued behind it with it. When a statement the
 * server was running is still unanswered one limit after its cancel
 * request went out, neither reached the server: the client is ended at
 * once (its connections destroyed, its pending calls failed) and a fresh
 * one serves the calls after it. A statement that was only waiting (for a
 * connection, or behind another) ends no client: a busy pool is not a
 * partition, and a connection still opening has postgres.js's
 * `connect_timeout`.
 */
export class ReplaceableClient {
  #current: Sql
  readonly #make: () => Sql

  constructor (make: () => Sql) {
    this.#make = make
    this.#current = make()
  }

  get current (): Sql {
    return this.#current
  }

  /**
   * `stale` stopped answering: the calls after this go to a fresh client.
   * (One made while the app closes is never used, so never connects.)
   */
  replace (stale: Sql): void {
    if (stale !== this.#current) return
    this.#current = this.#make()
    // Rejected calls answer their callers; the end itself has no one to tell.
    stale.end({ timeout: 0 }).catch(() => {})
  }

  /** Closing the app: calls under way get `seconds` to finish. */
  async end (seconds: number): Promise<void> {
    await this.#current.end({ timeout: seconds })
  }
}

/**
 * A query that is cancelled once it outlives `ms` (cancelIfRunning), and
 * reported `stuck` one `ms` later if it was running and the cancel did not
 * settle it.
 */
function timed (query: PendingQuery, ms: number, stuck: () => void): PendingQuery {
  // One timer per query; the second is set only for a query that outlived the first.
  let timer = setTimeout(() => {
    if (cancelIfRunning(query)) timer = setTimeout(stuck, ms)
  }, ms)
  // This sends the query (postgres.js starts one at its first `then`);
  // Drizzle's `.values()`, called next, is read only when rows arrive.
  const done = (): void => { clearTimeout(timer) }
  query.then(done, done)
  return query
}

/**
 * A client that Drizzle calls as postgres.js, whose queries run on `source()`
 * at the time they are made and are timed (above); `stuck` hears of one
 * that outlived its cancel, with the client it ran on.
 */
function bounded<Client extends Sql | TransactionSql> (source: () => Client, ms: number, stuck: (client: Client) => void): Client {
  function unsafe (...args: Parameters<Sql['unsafe']>): PendingQuery {
    const client = source()
    return timed(client.unsafe(...args), ms, () => stuck(client))
  }
  // `begin([options,] work)`, as Drizzle calls it on the client (a
  // transaction's own client has none: Drizzle nests with savepoints); the
  // options, if any, are passed on as they came. A stuck statement of the
  // transaction ends the client it began on.
  async function begin (...args: unknown[]): Promise<unknown> {
    const work = args.pop() as TransactionWork
    const client = source() as Sql
    return client.begin(...(args as []), async (tx) => work(bounded(() => tx, ms, () => stuck(client as Client))))
  }
  return new Proxy(source(), {
    get (_object, key) {
      if (key === 'unsafe') return unsafe
      if (key === 'begin') return begin
      return forwarded(source(), key)
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
    const [{ drizzle }, { default: postgres }] = await Promise.all([import('drizzle-orm/postgres-js'), import('postgres')])
    // The application's settings as postgres.js keeps them: parsed (which
    // postgres.js takes as they are), with the type parsers Drizzle set;
    // its own retry count and array types, and not the application's
    // `onclose`, which is about the application's connections.
    const settings: object = client.options
    const own = new ReplaceableClient(() => {
      // Typed as `object`: postgres's types name only the options it takes before parsing.
      const options: object = { ...settings, shared: { retries: 0, typeArrayMap: {} }, onclose: undefined }
      return postgres({ ...options })
    })
    const stuck = (stale: Sql): void => { own.replace(stale) }
    return { db: drizzle({ client: bounded(() => own.current, ms, stuck) }), close: async () => own.end(ms / 1000) }
  },
  migrate: (db, folder, table) => migrateWith('postgres-js', db, folder, table)
}
