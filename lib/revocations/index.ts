import type { FastifyBaseLogger } from 'fastify'
import { driverError } from '../dialects/types.js'
import type { VerifiedCache } from '../cache.js'
import { INVALID_OPTION } from '../errors.js'
import { LogReader, mysqlLogPublisher, sqliteLogPublisher } from './log.js'
import { memoryPublisher, memoryReceiver } from './memory.js'
import { pgPublisher } from './pg.js'
import { PgReceiver } from './pg-receiver.js'
import { PollReceiver } from './poll.js'
import { nodePostgresListen } from './listen-node-postgres.js'
import { postgresJsListen } from './listen-postgres-js.js'
import { pgliteListen } from './listen-pglite.js'
import { DRIVERS } from '../dialects/index.js'
import type { Driver, Dialect, MySqlDriver, SQLiteDriver } from '../dialects/types.js'
import { sql } from 'drizzle-orm'
import { LOG_TABLE, mysqlLog, sqliteLog } from './tables.js'
import type { Listen } from './listen.js'
import type { Publisher, Receiver } from './types.js'

export type { Publisher, Receiver } from './types.js'
export { tokensEvent, type RevocationEvent } from './events.js'

export interface Revocations {
  /** Null when there is nowhere to publish (no log table): revocations are plain deletes. */
  publisher: Publisher | null
  /** Null without a cache: nothing to keep up to date. */
  receiver: Receiver | null
}

/**
 * The listeners of each PostgreSQL driver, tried in turn on the database's
 * client. A driver added here needs nothing else.
 */
const LISTENERS: Array<(client: unknown) => Listen | null> = [nodePostgresListen, postgresJsListen, pgliteListen]

function listenerOf (dialect: Dialect): Listen | null {
  for (const make of LISTENERS) {
    const listen = make(dialect.db.$client)
    if (listen !== null) return listen
  }
  return null
}

/**
 * Whether the revocation log table exists. Only an answer that says so
 * counts as no: a database that cannot be reached at start (a server
 * restarting) is taken to have it, so that revocations are published once
 * it is back, or fail with 503 meanwhile, never go unpublished.
 */
async function hasLog (dialect: Dialect, log: typeof sqliteLog | typeof mysqlLog): Promise<boolean> {
  try {
    await dialect.all(dialect.db.select({ id: log.id }).from(log).limit(1))
    return true
  } catch (error) {
    const cause = driverError(error) as { code?: unknown, message?: unknown }
    return cause.code !== 'ER_NO_SUCH_TABLE' && !/no such table/.test(String(cause.message))
  }
}

/**
 * Whether an SQLite database lives in this process only: better-sqlite3
 * says so, and for every driver the main database has no file
 * (`:memory:`, or a temporary database).
 */
async function inMemory (dialect: Dialect, driver: Driver): Promise<boolean> {
  const { db } = dialect
  // better-sqlite3's Database says whether it is in memory.
  const client = db.$client as { memory?: unknown } | undefined
  if (client?.memory === true) return true
  if (client?.memory === false) return false
  const rows: Array<{ file: unknown }> = await driver.all(db.select({ file: sql`file`.as('file') })
    .from(sql`pragma_database_list`).where(sql`name = 'main'`))
  const file = rows[0]?.file
  return file === '' || file === null || file === undefined
}

/**
 * How revocations travel between the instances on `dialect`'s database:
 * PostgreSQL's notifications, the log table of SQLite files and MySQL, or
 * the process itself for an in-memory SQLite database.
 */
export async function setUpRevocations (dialect: Dialect, cache: VerifiedCache | null, log: FastifyBaseLogger): Promise<Revocations> {
  // The driver of the dialect's own family.
  const driver = DRIVERS.find((candidate) => candidate.name === dialect.driver)!
  if (dialect.name === 'pg') {
    if (cache === null) return { publisher: pgPublisher(dialect.db), receiver: null }
    const listen = listenerOf(dialect)
    if (listen === null) throw new INVALID_OPTION('cache', 'needs a PostgreSQL driver whose notifications the plugin can listen to (node-postgres, postgres.js or PGlite)')
    return { publisher: pgPublisher(dialect.db), receiver: new PgReceiver(listen, cache, log) }
  }
  if (dialect.name === 'sqlite' && await inMemory(dialect, driver)) {
    return { publisher: memoryPublisher(dialect.db, driver), receiver: cache === null ? null : memoryReceiver(dialect.db, cache) }
  }
  const table = dialect.name === 'sqlite' ? sqliteLog : mysqlLog
  if (!await hasLog(dialect, table)) {
    if (cache === null) return { publisher: null, receiver: null }
    throw new INVALID_OPTION('cache', `needs the table ${LOG_TABLE}, through which revocations reach every instance: run migrate(db)`)
  }
  const publisher = dialect.name === 'sqlite'
    ? sqliteLogPublisher(dialect.db, table, driver as SQLiteDriver)
    : mysqlLogPublisher(dialect.db, table, driver as MySqlDriver)
  return { publisher, receiver: cache === null ? null : new PollReceiver(new LogReader(dialect.db, table), cache, log) }
}
