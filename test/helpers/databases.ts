// Test databases: SQLite always; PostgreSQL when TEST_PG_URL is set; MySQL or
// MariaDB when TEST_MYSQL_URL is set. Each call gets a database of its own,
// migrated, and drops it when closed.
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
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

export type DialectName = 'sqlite' | 'pg' | 'mysql'

export interface TestDatabase {
  dialect: DialectName

  db: any
  schema: typeof sqliteSchema | typeof pgSchema | typeof mysqlSchema
  /** Runs raw SQL and returns rows (for assertions that look under the plugin). */
  query(text: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>
  /** A connection URL of this very database (servers only). */
  url: string | null
  close(): Promise<void>
}

/** The dialects this run can test. */
export const dialects: DialectName[] = [
  'sqlite',
  ...(process.env.TEST_PG_URL ? ['pg' as const] : []),
  ...(process.env.TEST_MYSQL_URL ? ['mysql' as const] : [])
]

const schemas = { sqlite: sqliteSchema, pg: pgSchema, mysql: mysqlSchema }

function uniqueName (): string {
  return `fat_test_${process.pid}_${randomBytes(4).toString('hex')}`
}

function withDatabase (url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** A fresh, migrated database of `dialect` (set `migrated: false` for an empty one). */
export async function openDatabase (dialect: DialectName, options: { migrated?: boolean, file?: string } = {}): Promise<TestDatabase> {
  let tdb: TestDatabase
  if (dialect === 'sqlite') {
    const client = new Database(options.file ?? ':memory:')
    client.pragma('foreign_keys = ON')
    tdb = {
      dialect,
      db: drizzleSqlite(client),
      schema: schemas.sqlite,
      query: async (text, params = []) => {
        const statement = client.prepare(text)
        return statement.reader ? statement.all(...params) as Array<Record<string, unknown>> : (statement.run(...params), [])
      },
      url: null,
      close: async () => { client.close() }
    }
  } else if (dialect === 'pg') {
    const adminUrl = process.env.TEST_PG_URL as string
    const name = uniqueName()
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = withDatabase(adminUrl, name)
    const pool = new pg.Pool({ connectionString: url, max: 10 })
    // pool.end() resolves before its connections are closed, and the
    // database is dropped next: wait until each one is.
    const closed: Array<Promise<unknown>> = []
    pool.on('connect', (client) => { closed.push(once(client, 'end')) })
    // close() drops the database with (force) while ended connections may
    // still be closing; the server's goodbye is an 'error' of the pool, which
    // would otherwise end the test process.
    pool.on('error', () => {})
    tdb = {
      dialect,
      db: drizzlePg(pool),
      schema: schemas.pg,
      query: async (text, params = []) => (await pool.query(text, params)).rows,
      url,
      close: async () => {
        await pool.end()
        await Promise.all(closed)
        const dropper = new pg.Client({ connectionString: adminUrl })
        await dropper.connect()
        await dropper.query(`drop database if exists ${name} with (force)`)
        await dropper.end()
      }
    }
  } else {
    const adminUrl = process.env.TEST_MYSQL_URL as string
    const name = uniqueName()
    const admin = await mysql.createConnection(adminUrl)
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = withDatabase(adminUrl, name)
    const pool = mysql.createPool({ uri: url, connectionLimit: 10 })
    tdb = {
      dialect,
      db: drizzleMysql(pool),
      schema: schemas.mysql,
      query: async (text, params = []) => {
        const [rows] = await pool.query(text, params)
        return Array.isArray(rows) ? rows as Array<Record<string, unknown>> : []
      },
      url,
      close: async () => {
        await pool.end()
        const dropper = await mysql.createConnection(adminUrl)
        await dropper.query(`drop database if exists ${name}`)
        await dropper.end()
      }
    }
  }
  if (options.migrated !== false) await migrate(tdb.db)
  return tdb
}
