import { entityKind } from 'drizzle-orm'
import type { Dialect, Driver, DrizzleDatabase, MySqlDrizzleDatabase, PgDrizzleDatabase, SQLiteDrizzleDatabase } from './types.js'
import { sqliteDialect } from './sqlite.js'
import { pgDialect } from './pg.js'
import { mysqlDialect } from './mysql.js'
import { betterSqlite3 } from './drivers/better-sqlite3.js'
import { libsql } from './drivers/libsql.js'
import { nodeSqlite } from './drivers/node-sqlite.js'
import { nodePostgres } from './drivers/node-postgres.js'
import { postgresJs } from './drivers/postgres-js.js'
import { pglite } from './drivers/pglite.js'
import { mysql2 } from './drivers/mysql2.js'
import { timeLimited } from './time-limit.js'

export type { Dialect, DialectName, DriverName } from './types.js'

/** Every driver the plugin runs on; a new one is a file in drivers/ and a line here. */
export const DRIVERS: readonly Driver[] = [betterSqlite3, libsql, nodeSqlite, nodePostgres, postgresJs, pglite, mysql2]

/**
 * The dialect of `db` on `driver`, whose database class it is (the
 * entityKind said so). Each family's databases are passed as what its
 * dialect needs of them: the compiler checks every supported driver's
 * database against it, on the installed Drizzle.
 */
function dialectFor (db: DrizzleDatabase, driver: Driver): Dialect {
  switch (driver.family) {
    case 'sqlite': return sqliteDialect(db as SQLiteDrizzleDatabase, driver)
    case 'pg': return pgDialect(db as PgDrizzleDatabase, driver)
    case 'mysql': return mysqlDialect(db as MySqlDrizzleDatabase, driver)
  }
}

const BY_KIND = new Map(DRIVERS.map((driver) => [driver.databaseKind, driver]))
const BY_NAME = new Map(DRIVERS.map((driver) => [driver.name, driver]))

/** What the refusal of another database says is supported. */
export const SUPPORTED = 'better-sqlite3, @libsql/client, node:sqlite (Drizzle 1.x), pg, postgres, @electric-sql/pglite or mysql2'

/**
 * The dialect of a Drizzle database, or null when it is none of ours: another
 * driver (they prepare and run queries differently), a transaction (not a
 * database), or no Drizzle database at all. Told by the class `drizzle()`
 * builds for each driver, by its entityKind rather than `instanceof`, so two
 * copies of drizzle-orm still agree, and Drizzle 0.45 and 1.x alike.
 */
export function dialectOf (db: unknown): Dialect | null {
  if (db === null || typeof db !== 'object') return null
  const kind: unknown = (db.constructor as { [entityKind]?: unknown } | undefined)?.[entityKind]
  const driver = typeof kind === 'string' ? BY_KIND.get(kind) : undefined
  return driver === undefined ? null : dialectFor(db as DrizzleDatabase, driver)
}

/** The dialect of `database`, or a TypeError naming what was expected. */
export function requireDialect (database: unknown): Dialect {
  const dialect = dialectOf(database)
  if (dialect === null) throw new TypeError(`expected a Drizzle database on ${SUPPORTED}`)
  return dialect
}

/** The dialect the plugin runs on: `dialect` with every call bounded by `storeTimeoutMs` (see time-limit.ts). */
export async function withStoreTimeout (dialect: Dialect, storeTimeoutMs: number | null): Promise<Dialect> {
  return timeLimited(dialect, BY_NAME.get(dialect.driver)!, storeTimeoutMs)
}
