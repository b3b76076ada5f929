import { sql } from 'drizzle-orm'
import type { Dialect, Driver, Select, SelectQuery } from './types.js'

/** A database call that did not answer within `storeTimeoutMs`: the store answers 503. */
export class StoreTimeoutError extends Error {
  constructor (ms: number) {
    super(`the database did not answer within ${ms} ms (storeTimeoutMs)`)
    this.name = 'StoreTimeoutError'
  }
}

/**
 * `work`'s answer, or a StoreTimeoutError once `ms` have passed. The work
 * itself goes on (a promise cannot be stopped): the drivers' bounded pools
 * destroy a connection it holds rather than keep it (node-postgres, mysql2),
 * or cancel its statement, and end the plugin's own client when the cancel
 * does not settle it (postgres.js).
 */
export async function withinLimit<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `dialect` with every database call bounded by `ms`, decided at
 * registration:
 * - SQLite: the connection's busy_timeout is `ms`, so a locked file answers
 *   SQLITE_BUSY in time (a synchronous call cannot be interrupted);
 * - server drivers with a pool: the plugin's queries run through a Drizzle
 *   database of its own over the same pool, which destroys a connection
 *   whose call outlived `ms` rather than take it back (node-postgres,
 *   mysql2); postgres.js, which cannot destroy a connection, gets a client
 *   of the plugin's own on the application client's settings, which
 *   cancels the call and is replaced when the cancel does not settle it;
 *   the plugin names every column it uses by its SQL name, so the
 *   database's `casing` option changes none of its statements;
 * - every asynchronous call answers within `ms` or fails with StoreTimeoutError.
 */
export async function timeLimited (dialect: Dialect, driver: Driver, ms: number | null): Promise<Dialect> {
  if (ms === null) return dialect
  if (dialect.name === 'sqlite') await dialect.db.run(sql.raw(`PRAGMA busy_timeout = ${ms}`))
  const bounded = await dialect.boundedPool(ms) ?? dialect
  if (driver.synchronous === true) return bounded
  return {
    ...bounded,
    prepare<Row> (query: SelectQuery, name: string): Select<Row> {
      const select = bounded.prepare<Row>(query, name)
      return async (values) => withinLimit(Promise.resolve(select(values)), ms)
    },
    all: async (query) => withinLimit(bounded.all(query), ms),
    write: async (query) => withinLimit(bounded.write(query), ms),
    insertToken: async (insert) => withinLimit(bounded.insertToken(insert), ms)
  }
}
