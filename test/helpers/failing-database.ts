// A database of each dialect on which every query fails. An app built on it
// answers 503 TOKEN_STORE_UNAVAILABLE as soon as the plugin asks the database
// anything, so a request that gets any other answer was decided without a
// query.
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
import type { DialectName, TestDatabase } from './databases.js'

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

export async function failingDatabase (dialect: DialectName): Promise<FailingDatabase> {
  const refuse = async (): Promise<never> => { throw new Error('this database fails every query') }
  if (dialect === 'sqlite') {
    const client = new Database(':memory:')
    const db = drizzleSqlite(client)
    await migrate(db)
    return {
      dialect,
      db,
      schema: sqliteSchema,
      query: refuse,
      url: null,
      fail: () => { client.close() },
      close: async () => { if (client.open) client.close() }
    }
  }
  if (dialect === 'pg') {
    const pool = new pg.Pool({ ...NOWHERE, user: 'postgres', database: 'none', connectionTimeoutMillis: 2000 })
    return { dialect, db: drizzlePg(pool), schema: pgSchema, query: refuse, url: null, fail: () => {}, close: () => pool.end() }
  }
  const pool = mysql.createPool({ ...NOWHERE, user: 'root', database: 'none', connectTimeout: 2000 })
  return { dialect, db: drizzleMysql(pool), schema: mysqlSchema, query: refuse, url: null, fail: () => {}, close: () => pool.end() }
}
