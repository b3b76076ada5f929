import type { AnyDatabase, AnyQuery, Driver } from '../types.js'
import { StoreTimeoutError } from '../time-limit.js'
import { migrateWith } from './migrator.js'
import { forwarded } from './forward.js'

/**
 * A mysql2 connection checked out of the pool, whose queries fail after `ms`
 * and then destroy it: mysql2 would otherwise keep the unanswered query at
 * the head of the connection's queue, and every later query behind it.
 */
function leased (connection: AnyDatabase, ms: number): AnyDatabase {
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
      return await Promise.race([connection[method](...args), expired])
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
function boundedPool (pool: AnyDatabase, ms: number): AnyDatabase {
  return new Proxy(pool, {
    get (object, key) {
      if (key === 'getConnection') return async () => leased(await object.getConnection(), ms)
      if (key === 'query' || key === 'execute') {
        return async (...args: unknown[]) => {
          const connection = leased(await object.getConnection(), ms)
          try {
            return await connection[key](...args)
          } finally {
            connection.release()
          }
        }
      }
      return forwarded(object, key)
    }
  })
}

/** mysql2: Drizzle's prepared query as it is, affectedRows for writes. */
export const mysql2: Driver = {
  name: 'mysql2',
  family: 'mysql',
  databaseKind: 'MySql2Database',
  prepare<Row> (_db: AnyDatabase, query: AnyQuery) {
    const prepared = query.prepare()
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.execute(values)
  },
  async all (query) {
    return await query
  },
  async write (query) {
    const [header] = await query
    return header.affectedRows
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  async boundedPool (db, ms) {
    // A pool made with mysql2's callback API has a promise face (Drizzle uses it too).
    const client = typeof db.$client.promise === 'function' ? db.$client.promise() : db.$client
    if (typeof client.getConnection !== 'function') return null
    const { drizzle } = await import('drizzle-orm/mysql2')
    const pool = boundedPool(client, ms)
    return drizzle({ client: pool })
  },
  migrate: (db, folder, table) => migrateWith('mysql2', db, folder, table)
}
