// Another connection pool on a test database of a server driver: what a
// second app instance has. Closed when the test ends.
import type { Test } from 'tap'
import { once } from 'node:events'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import type { TestDatabase } from './databases.js'

export function secondPool (t: Test, tdb: TestDatabase): any {
  if (tdb.url === null) throw new Error('a second pool needs a database server')
  if (tdb.dialect === 'pg') {
    const pool = new pg.Pool({ connectionString: tdb.url, max: 10 })
    // pool.end() resolves before its connections are closed; the database is
    // dropped next, so wait until each one is.
    const closed: Array<Promise<unknown>> = []
    pool.on('connect', (client) => { closed.push(once(client, 'end')) })
    t.teardown(async () => {
      await pool.end()
      await Promise.all(closed)
    })
    return drizzlePg({ client: pool })
  }
  const pool = mysql.createPool({ uri: tdb.url, connectionLimit: 10 })
  t.teardown(() => pool.end())
  return drizzleMysql({ client: pool })
}
