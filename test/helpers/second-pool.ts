// Another connection pool on a test database of a server dialect: what a
// second app instance has. Closed when the test ends.
import type { Test } from 'tap'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import type { TestDatabase } from './databases.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function secondPool (t: Test, tdb: TestDatabase): any {
  if (tdb.url === null) throw new Error('a second pool needs a database server')
  if (tdb.dialect === 'pg') {
    const pool = new pg.Pool({ connectionString: tdb.url, max: 10 })
    t.teardown(() => pool.end())
    return drizzlePg(pool)
  }
  const pool = mysql.createPool({ uri: tdb.url, connectionLimit: 10 })
  t.teardown(() => pool.end())
  return drizzleMysql(pool)
}
