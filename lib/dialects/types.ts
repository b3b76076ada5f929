import type { Column, SQL } from 'drizzle-orm'
import type { DrizzleTable } from '../types.js'

export type { DrizzleDatabase, DrizzleTable } from '../types.js'

/** A database family: it decides the SQL (types, locks, upserts, errors). */
export type DialectName = 'sqlite' | 'pg' | 'mysql'

/** A driver: it decides how statements run, transactions hold, rows come back. */
export type DriverName = 'better-sqlite3' | 'libsql' | 'node-sqlite' | 'node-postgres' | 'postgres-js' | 'pglite' | 'mysql2'

/**
 * A Drizzle database or transaction of any dialect. The store builds its
 * queries with the builder methods every dialect shares; the driver runs them.
 * Drizzle's database classes differ between its versions (0.45: PgDatabase...,
 * 1.x: PgAsyncDatabase...) and between families, and the builders are
 * overloaded per family: no single Drizzle type describes them all.
 */
export type AnyDatabase = any

/** A query builder of any dialect, not yet run. */
export type AnyQuery = any

/** A prepared select: values for its placeholders in, rows out (synchronously on synchronous drivers). */
export type Select<Row> = (values: Record<string, unknown>) => Row[] | Promise<Row[]>

/** What `insertToken` needs to know of the token table. */
export interface TokenInsert {
  table: DrizzleTable
  token: Column
  userId: Column
  createdAt: Column
  /** The row, keyed by the table's property names. */
  values: Record<string, unknown>
  digest: string
  ownerId: unknown
  /** Keep at most this many tokens of the owner, the new one included; null: no limit. */
  keep: number | null
  /** Which of the owner's rows count toward `keep` (logins only, live keys only); undefined: all. */
  counted?: SQL
  /**
   * What happens at the limit: 'evict' (the default) deletes the oldest
   * counted rows beyond `keep`; 'refuse' inserts nothing when the owner has
   * `keep` counted rows already, and insertToken answers false.
   */
  atLimit?: 'evict' | 'refuse'
  /**
   * The statement (or null) that publishes the revocation of the evicted
   * tokens, run inside the insert's transaction when any were evicted
   * (lib/revocations); null: nowhere to publish.
   */
  publish?: ((tx: AnyDatabase, digests: string[]) => AnyQuery | null) | null
  /**
   * SQLite: the statement (or null) that publishes the revocation of the
   * rows `evicted` selects (their `token`), run just before they are
   * deleted, among the statements the driver runs atomically without
   * reading an answer in between; null: nowhere to publish.
   */
  publishSelected?: ((tx: AnyDatabase, evicted: AnyQuery) => AnyQuery | null) | null
}

/** How one driver runs what the family's SQL builds. */
export interface Driver {
  readonly name: DriverName
  readonly family: DialectName
  /** The entityKind of the database class Drizzle's `drizzle()` builds for this driver. */
  readonly databaseKind: string
  /** Whether calls answer before they return (better-sqlite3, node:sqlite): nothing to time. */
  readonly synchronous?: true
  /**
   * Server drivers with a pool: a Drizzle database on `db`'s pool that
   * destroys a connection when a call on it outlives `ms`, rather than take
   * it back, or cancels the call where the driver cannot destroy one
   * (postgres.js). Undefined or null when `db` has no pool (a single client).
   */
  boundedPool?(db: AnyDatabase, ms: number): Promise<AnyDatabase | null>
  /** Prepares a select once, at registration. */
  prepare<Row>(db: AnyDatabase, query: AnyQuery, name: string): Select<Row>
  /** Runs a select and returns its rows. */
  all<Row>(query: AnyQuery): Promise<Row[]>
  /** Runs an insert, update or delete and returns how many rows it touched. */
  write(query: AnyQuery): Promise<number>
  /** PostgreSQL and MySQL: runs `work` in one transaction, on one connection held throughout. */
  transaction?(db: AnyDatabase, work: (tx: AnyDatabase) => Promise<void>): Promise<void>
  /**
   * SQLite only: runs the statements `build` makes, atomically, holding the
   * write lock from the start, so two processes sharing the file cannot both
   * count the same rows. Returns how many rows each statement touched.
   */
  atomically?(db: AnyDatabase, build: (tx: AnyDatabase) => AnyQuery[]): Promise<number[]>
  /** Applies a drizzle-kit migrations folder, recording it in `migrationsTable`. */
  migrate(db: AnyDatabase, migrationsFolder: string, migrationsTable: string): Promise<void>
}

/** Everything that differs between databases and drivers, and nothing else. */
export interface Dialect {
  readonly name: DialectName
  readonly driver: DriverName
  readonly db: AnyDatabase
  /**
   * Prepares a select once, at registration; the returned function runs it
   * with values for its `sql.placeholder`s. Synchronous drivers answer at once.
   */
  prepare<Row>(query: AnyQuery, name: string): Select<Row>
  /** Runs a select and returns its rows. */
  all<Row>(query: AnyQuery): Promise<Row[]>
  /** Runs an insert, update or delete and returns how many rows it touched. */
  write(query: AnyQuery): Promise<number>
  /**
   * Inserts a token and trims the owner's oldest beyond `keep` (or refuses
   * the insert at the limit), in one transaction that concurrent inserts of
   * the same owner queue on. False when refused.
   */
  insertToken(insert: TokenInsert): Promise<boolean>
  /** Whether an error is a unique-key violation (createUser: a taken email). */
  isUniqueViolation(error: unknown): boolean
  /** Whether a Drizzle table belongs to this dialect. */
  ownsTable(table: DrizzleTable): boolean
  /** The default `user` and `access_token` tables of this dialect. */
  readonly defaults: { userTable: DrizzleTable, tokenTable: DrizzleTable }
  /** Applies a drizzle-kit migrations folder, recording it in `migrationsTable`. */
  migrate(migrationsFolder: string, migrationsTable: string): Promise<void>
}

/**
 * The driver's error under Drizzle's DrizzleQueryError, which quotes the SQL
 * (and under libSQL's own wrapper, which keeps the SQLite code in `cause`).
 * better-sqlite3's synchronous calls throw the driver's error unwrapped.
 */
export function driverError (error: unknown): { code?: unknown } {
  const wrapped = error as { cause?: { code?: unknown }, code?: unknown }
  return wrapped.cause ?? wrapped
}
