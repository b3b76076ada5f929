// A database of each driver on which every query fails. An app built on it
// answers 503 TOKEN_STORE_UNAVAILABLE as soon as the plugin asks the database
// anything, so a request that gets any other answer was decided without a
// query.
import { FAMILY } from './databases.js'
import Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { migrate } from '../../index.js'
import * as sqliteSchema from '../../lib/schema/sqlite.js'
import * as pgSchema from '../../lib/schema/pg.js'
import * as mysqlSchema from '../../lib/schema/mysql.js'
import type { TestDriver, TestDatabase } from './databases.js'

// Nothing listens on port 1: connections are refused at once.
const NOWHERE = { host: '127.0.0.1', port: 1 }

export interface FailingDatabase extends TestDatabase {
  /**
   * Makes every later query fail. Call it once the app is ready: SQLite
   * prepares its statements at registration, the servers' drivers connect
   * only when asked a query and fail from the start.
   */
  fail(): void
}

export async function failingDatabase (driver: TestDriver): Promise<FailingDatabase> {
  const refuse = async (): Promise<never> => { throw new Error('this database fails every query') }
  if (FAMILY[driver] === 'sqlite') {
    const client = new Database(':memory:')
    const db = drizzleSqlite({ client })
    await migrate(db)
    return {
      driver,
      dialect: 'sqlite',
      db,
      schema: sqliteSchema,
      query: refuse,
      url: null,
      fail: () => { client.close() },
      close: async () => { if (client.open) client.close() }
    }
  }
  if (FAMILY[driver] === 'pg') {
    const pool = new pg.Pool({ ...NOWHERE, user: 'postgres', database: 'none', connectionTimeoutMillis: 2000 })
    return { driver, dialect: 'pg', db: drizzlePg({ client: pool }), schema: pgSchema, query: refuse, url: null, fail: () => {}, close: () => pool.end() }
  }
  const pool = mysql.createPool({ ...NOWHERE, user: 'root', database: 'none', connectTimeout: 2000 })
  return { driver, dialect: 'mysql', db: drizzleMysql({ client: pool }), schema: mysqlSchema, query: refuse, url: null, fail: () => {}, close: () => pool.end() }
}
