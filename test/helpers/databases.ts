// Test databases, one driver at a time: better-sqlite3 and libSQL (a file)
// always; node:sqlite where Drizzle has it (1.x, Node.js 22.5 and newer);
// node-postgres, postgres.js and PGlite when TEST_PG_URL is set (PGlite needs
// no server, but its SQL is tested with the other PostgreSQL drivers');
// mysql2 when TEST_MYSQL_URL is set. Each call gets a database of its own,
// migrated, and drops it when closed.
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { createClient } from '@libsql/client'
import { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { migrate } from '../../index.js'
import * as sqliteSchema from '../../lib/schema/sqlite.js'
import * as pgSchema from '../../lib/schema/pg.js'
import * as mysqlSchema from '../../lib/schema/mysql.js'
import type { DialectName, DriverName } from '../../lib/dialects/types.js'

export type TestDriver = DriverName

export interface TestDatabase {
  /** The database family: what SQL differs in. */
  dialect: DialectName
  /** The driver under Drizzle. */
  driver: TestDriver

  db: any
  schema: typeof sqliteSchema | typeof pgSchema | typeof mysqlSchema
  /** Runs raw SQL and returns rows (for assertions that look under the plugin). */
  query(text: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>
  /** A connection URL of this very database (servers only). */
  url: string | null
  close(): Promise<void>
}

export const FAMILY: Record<TestDriver, DialectName> = {
  'better-sqlite3': 'sqlite',
  libsql: 'sqlite',
  'node-sqlite': 'sqlite',
  'node-postgres': 'pg',
  'postgres-js': 'pg',
  pglite: 'pg',
  mysql2: 'mysql'
}

/** The family of a driver. */
export const familyOf = (driver: TestDriver): DialectName => FAMILY[driver]

/** Drizzle's node:sqlite driver, where this Drizzle and this Node.js have it. */
async function nodeSqliteDrizzle (): Promise<((config: { client: unknown }) => any) | null> {
  // Module names in variables: neither exists everywhere this code type-checks.
  const sqlite: string = 'node:sqlite'
  try {
    await import(sqlite)
    const module: string = 'drizzle-orm/node-sqlite'
    return (await import(module)).drizzle
  } catch {
    return null
  }
}
const drizzleNodeSqlite = await nodeSqliteDrizzle()

/** The drivers this run can test. */
export const drivers: TestDriver[] = [
  'better-sqlite3',
  'libsql',
  ...(drizzleNodeSqlite !== null ? ['node-sqlite' as const] : []),
  ...(process.env.TEST_PG_URL ? ['node-postgres' as const, 'postgres-js' as const, 'pglite' as const] : []),
  ...(process.env.TEST_MYSQL_URL ? ['mysql2' as const] : [])
]

/**
 * One driver per family: for tests slow by nature (outages, several
 * processes) where the drivers of a family do not differ.
 */
export const onePerFamily: TestDriver[] = drivers.filter((driver) => ['better-sqlite3', 'node-postgres', 'mysql2'].includes(driver))

/** The drivers of one family. */
export const driversOf = (family: DialectName): TestDriver[] => drivers.filter((driver) => FAMILY[driver] === family)

const schemas = { sqlite: sqliteSchema, pg: pgSchema, mysql: mysqlSchema }

/** PGlite instances of closed test databases, empty, for the next ones. */
const idlePglites: PGlite[] = []
let closeIdlePglites: NodeJS.Timeout | undefined

/**
 * Keeps an emptied PGlite for the next test database. An open PGlite holds a
 * timer of its WebAssembly runtime, which would keep the test process alive
 * after its last test: the ones no test took within a second are closed.
 */
function parkPglite (client: PGlite): void {
  idlePglites.push(client)
  clearTimeout(closeIdlePglites)
  closeIdlePglites = setTimeout(function closeIdle () {
    for (const idle of idlePglites.splice(0)) idle.close().catch(() => {})
  }, 1000)
  closeIdlePglites.unref()
}

function uniqueName (): string {
  return `fat_test_${process.pid}_${randomBytes(4).toString('hex')}`
}

function withDatabase (url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** A PostgreSQL database of its own on the test server, dropped by `drop()`. */
async function serverPgDatabase (): Promise<{ url: string, drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_PG_URL as string
  const name = uniqueName()
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  return {
    url: withDatabase(adminUrl, name),
    async drop () {
      const dropper = new pg.Client({ connectionString: adminUrl })
      await dropper.connect()
      await dropper.query(`drop database if exists ${name} with (force)`)
      await dropper.end()
    }
  }
}

async function open (driver: TestDriver, file: string | undefined): Promise<TestDatabase> {
  const base = { driver, dialect: FAMILY[driver], schema: schemas[FAMILY[driver]] }
  switch (driver) {
    case 'better-sqlite3': {
      const client = new Database(file ?? ':memory:')
      client.pragma('foreign_keys = ON')
      return {
        ...base,
        db: drizzleSqlite({ client }),
        query: async (text, params = []) => {
          const statement = client.prepare(text)
          return statement.reader ? statement.all(...params) as Array<Record<string, unknown>> : (statement.run(...params), [])
        },
        url: null,
        close: async () => { client.close() }
      }
    }
    case 'node-sqlite': {
      const sqlite: string = 'node:sqlite'
      const { DatabaseSync } = await import(sqlite)
      const client = new DatabaseSync(file ?? ':memory:')
      client.exec('pragma foreign_keys = on')
      return {
        ...base,
        db: drizzleNodeSqlite!({ client }),
        query: async (text, params = []) => client.prepare(text).all(...params),
        url: null,
        close: async () => { client.close() }
      }
    }
    case 'libsql': {
      // A file, as most applications have; `:memory:` has a test of its own.
      const dir = file === undefined ? mkdtempSync(join(tmpdir(), 'fat-libsql-')) : null
      const client = createClient({ url: `file:${file ?? join(dir!, 'test.db')}` })
      await client.execute('pragma foreign_keys = on')
      return {
        ...base,
        db: drizzleLibsql({ client }),
        query: async (text, params = []) => {
          const result = await client.execute({ sql: text, args: params as never })
          return result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])))
        },
        url: null,
        close: async () => {
          client.close()
          if (dir !== null) rmSync(dir, { recursive: true, force: true })
        }
      }
    }
    case 'node-postgres': {
      const server = await serverPgDatabase()
      const pool = new pg.Pool({ connectionString: server.url, max: 10 })
      // pool.end() resolves before its connections are closed, and the
      // database is dropped next: wait until each one is.
      const closed: Array<Promise<unknown>> = []
      pool.on('connect', (client) => { closed.push(once(client, 'end')) })
      // close() drops the database with (force) while ended connections may
      // still be closing; the server's goodbye is an 'error' of the pool, which
      // would otherwise end the test process.
      pool.on('error', () => {})
      return {
        ...base,
        db: drizzlePg({ client: pool }),
        query: async (text, params = []) => (await pool.query(text, params)).rows,
        url: server.url,
        close: async () => {
          await pool.end()
          await Promise.all(closed)
          await server.drop()
        }
      }
    }
    case 'postgres-js': {
      const server = await serverPgDatabase()
      const client = postgres(server.url, { max: 10, onnotice: () => {} })
      return {
        ...base,
        db: drizzlePostgresJs({ client }),
        query: async (text, params = []) => [...await client.unsafe(text, params as never[])],
        url: server.url,
        close: async () => {
          await client.end()
          await server.drop()
        }
      }
    }
    case 'pglite': {
      clearTimeout(closeIdlePglites)
      const client = idlePglites.pop() ?? new PGlite()
      return {
        ...base,
        db: drizzlePglite({ client }),
        query: async (text, params = []) => (await client.query<Record<string, unknown>>(text, params)).rows,
        url: null,
        close: async () => {
          // Starting PGlite takes seconds (initdb in WebAssembly): a closed
          // test database is emptied and kept for the next one.
          await client.exec('deallocate all; drop schema if exists drizzle cascade; drop schema public cascade; create schema public;')
          parkPglite(client)
        }
      }
    }
    case 'mysql2': {
      const adminUrl = process.env.TEST_MYSQL_URL as string
      const name = uniqueName()
      const admin = await mysql.createConnection(adminUrl)
      await admin.query(`create database ${name}`)
      await admin.end()
      const url = withDatabase(adminUrl, name)
      const pool = mysql.createPool({ uri: url, connectionLimit: 10 })
      return {
        ...base,
        db: drizzleMysql({ client: pool }),
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
  }
}

/** A fresh, migrated database on `driver` (set `migrated: false` for an empty one). */
export async function openDatabase (driver: TestDriver, options: { migrated?: boolean, file?: string } = {}): Promise<TestDatabase> {
  const tdb = await open(driver, options.file)
  if (options.migrated !== false) await migrate(tdb.db)
  return tdb
}
