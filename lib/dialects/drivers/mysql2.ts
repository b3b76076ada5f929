import type { Pool, PoolConnection } from 'mysql2/promise'
import type { MySqlDriver, Query, SelectQuery } from '../types.js'
import { StoreTimeoutError } from '../time-limit.js'
import { migrateWith } from './migrator.js'
import { drizzlePrepared } from './prepared.js'
import { forwarded } from './forward.js'

/**
 * A mysql2 connection checked out of the pool, whose queries fail after `ms`
 * and then destroy it: mysql2 would otherwise keep the unanswered query at
 * the head of the connection's queue, and every later query behind it.
 */
function leased (connection: PoolConnection, ms: number): PoolConnection {
  let destroyed = false
  const bounded = (method: 'query' | 'execute') => async (...args: unknown[]) => {
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        destroyed = true
        connection.destroy()
        reject(new StoreTimeoutError(ms))
      }, ms)
    })
    try {
      return await Promise.race([(connection[method] as (...args: unknown[]) => Promise<unknown>)(...args), expired])
    } finally {
      clearTimeout(timer)
    }
  }
  return new Proxy(connection, {
    get (object, key) {
      if (key === 'query' || key === 'execute') return bounded(key)
      // A destroyed connection has left the pool already.
      if (key === 'release') return () => { if (!destroyed) object.release() }
      return forwarded(object, key)
    }
  })
}

/** A mysql2 promise pool whose queries run on leased connections. */
function boundedPool (pool: Pool, ms: number): Pool {
  return new Proxy(pool, {
    get (object, key) {
      if (key === 'getConnection') return async () => leased(await object.getConnection(), ms)
      if (key === 'query' || key === 'execute') {
        return async (...args: unknown[]) => {
          const connection = leased(await object.getConnection(), ms)
          try {
            return await (connection[key] as (...args: unknown[]) => Promise<unknown>)(...args)
          } finally {
            connection.release()
          }
        }
      }
      return forwarded(object, key)
    }
  })
}

/** A pool of mysql2's callback API: its promise face is what the plugin uses. */
interface CallbackPool {
  promise(): Pool
}

/** mysql2: Drizzle's prepared query as it is, affectedRows for writes. */
export const mysql2: MySqlDriver = {
  name: 'mysql2',
  family: 'mysql',
  databaseKind: 'MySql2Database',
  prepare: (_db, query) => drizzlePrepared(query),
  async all<Row> (query: SelectQuery) {
    return await query as Row[]
  },
  async write (query: Query) {
    const [header] = await query as [{ affectedRows: number }]
    return header.affectedRows
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  async boundedPool (db, ms) {
    // A pool made with mysql2's callback API has a promise face (Drizzle uses it too).
    const given = db.$client as Pool | CallbackPool
    const client = typeof (given as CallbackPool).promise === 'function' ? (given as CallbackPool).promise() : given as Pool
    if (typeof client.getConnection !== 'function') return null
    const { drizzle } = await import('drizzle-orm/mysql2')
    const pool = boundedPool(client, ms)
    // On the application's pool, which the application ends.
    return { db: drizzle({ client: pool }), close: async () => {} }
  },
  migrate: (db, folder, table) => migrateWith('mysql2', db, folder, table)
}
