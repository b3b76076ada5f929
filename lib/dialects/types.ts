import type { Column, SQL } from 'drizzle-orm'
import type { DrizzleTable } from '../types.js'
import type { MySqlQueryBuilder, PgQueryBuilder, Query, QueryBuilder, SelectQuery, SQLiteQueryBuilder } from './query-builder.js'

export type { DrizzleDatabase, DrizzleTable, MySqlDrizzleDatabase, PgDrizzleDatabase, SQLiteDrizzleDatabase } from '../types.js'
export type { MySqlQueryBuilder, PgQueryBuilder, Query, QueryBuilder, SelectQuery, SQLiteQueryBuilder } from './query-builder.js'

/** A database family: it decides the SQL (types, locks, upserts, errors). */
export type DialectName = 'sqlite' | 'pg' | 'mysql'

/** A driver: it decides how statements run, transactions hold, rows come back. */
export type DriverName = 'better-sqlite3' | 'libsql' | 'node-sqlite' | 'node-postgres' | 'postgres-js' | 'pglite' | 'mysql2'

// A database as a dialect holds it: its builders, and the driver's client
// (which Drizzle's drizzle() adds to the database it returns).
/** A SQLite database: better-sqlite3, libSQL or node:sqlite. */
export type SQLiteDatabase = SQLiteQueryBuilder & { readonly $client?: unknown, run(query: SQL): unknown }
/** A PostgreSQL database: node-postgres, postgres.js or PGlite. */
export type PgDatabase = PgQueryBuilder & {
  readonly $client?: unknown
  // A property, not a method: its parameter is then checked strictly, so
  // each driver's transaction must hand its callback a PgQueryBuilder.
  readonly transaction: (work: (tx: PgQueryBuilder) => Promise<void>) => Promise<void>
}
/** A MySQL database: mysql2. */
export type MySqlDatabase = MySqlQueryBuilder & {
  readonly $client?: unknown
  // A property, not a method: its parameter is then checked strictly.
  readonly transaction: (work: (tx: MySqlQueryBuilder) => Promise<void>) => Promise<void>
}

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
  publish?: ((tx: PgQueryBuilder | MySqlQueryBuilder, digests: string[]) => PromiseLike<unknown> | null) | null
  /**
   * SQLite: the statement (or null) that publishes the revocation of the
   * rows `evicted` selects (their `token`), run just before they are
   * deleted, among the statements the driver runs atomically without
   * reading an answer in between; null: nowhere to publish.
   */
  publishSelected?: ((tx: SQLiteQueryBuilder, evicted: SelectQuery) => Query | null) | null
}

/**
 * A Drizzle database of the plugin's own (Driver.boundedPool), and what
 * closing the app does to it: nothing when it runs on the application's
 * pool, ending its client when it has one of its own (postgres.js).
 */
export interface BoundedDatabase<Database> {
  readonly db: Database
  close(): Promise<void>
}

/** How one driver runs what the family's SQL builds, on a `Database` of its family. */
interface DriverOf<Family extends DialectName, Database> {
  readonly name: DriverName
  readonly family: Family
  /** The entityKind of the database class Drizzle's `drizzle()` builds for this driver. */
  readonly databaseKind: string
  /** Whether calls answer before they return (better-sqlite3, node:sqlite): nothing to time. */
  readonly synchronous?: true
  /**
   * Server drivers with a pool: a Drizzle database on `db`'s pool that
   * destroys a connection when a call on it outlives `ms`, rather than take
   * it back; or, where the driver cannot destroy one (postgres.js), a
   * client of its own on `db`'s settings that cancels the call and is
   * replaced when the cancel does not settle it. Undefined or null when
   * `db` has no pool (a single client).
   */
  boundedPool?(db: Database, ms: number): Promise<BoundedDatabase<Database> | null>
  /** Prepares a select once, at registration. */
  prepare<Row>(db: Database, query: SelectQuery, name: string): Select<Row>
  /** Runs a select and returns its rows. */
  all<Row>(query: SelectQuery): Promise<Row[]>
  /** Runs an insert, update or delete and returns how many rows it touched. */
  write(query: Query): Promise<number>
  /** Applies a drizzle-kit migrations folder, recording it in `migrationsTable`. */
  migrate(db: Database, migrationsFolder: string, migrationsTable: string): Promise<void>
}

/** A SQLite driver: a file has no pool, its calls are bounded by the busy timeout. */
export interface SQLiteDriver extends Omit<DriverOf<'sqlite', SQLiteDatabase>, 'boundedPool'> {
  /**
   * Runs the statements `build` makes, atomically, holding the write lock
   * from the start, so two processes sharing the file cannot both count the
   * same rows. Returns how many rows each statement touched.
   */
  atomically(db: SQLiteDatabase, build: (tx: SQLiteQueryBuilder) => Query[]): Promise<number[]>
}

export interface PgDriver extends DriverOf<'pg', PgDatabase> {
  /** Runs `work` in one transaction, on one connection held throughout. */
  transaction(db: PgDatabase, work: (tx: PgQueryBuilder) => Promise<void>): Promise<void>
}

export interface MySqlDriver extends DriverOf<'mysql', MySqlDatabase> {
  boundedPool(db: MySqlDatabase, ms: number): Promise<BoundedDatabase<MySqlDatabase> | null>
  /** Runs `work` in one transaction, on one connection held throughout. */
  transaction(db: MySqlDatabase, work: (tx: MySqlQueryBuilder) => Promise<void>): Promise<void>
}

/** A driver of any family. */
export type Driver = SQLiteDriver | PgDriver | MySqlDriver

/** Everything that differs between databases and drivers, and nothing else. */
interface DialectOf<Name extends DialectName, Database extends QueryBuilder> {
  readonly name: Name
  readonly driver: DriverName
  readonly db: Database
  /**
   * Prepares a select once, at registration; the returned function runs it
   * with values for its `sql.placeholder`s. Synchronous drivers answer at once.
   */
  prepare<Row>(query: SelectQuery, name: string): Select<Row>
  /** Runs a select and returns its rows. */
  all<Row>(query: SelectQuery): Promise<Row[]>
  /** Runs an insert, update or delete and returns how many rows it touched. */
  write(query: Query): Promise<number>
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
  /**
   * The same dialect on the driver's bounded pool (Driver.boundedPool),
   * whose calls do not outlive `ms`; null when the database has no pool.
   */
  boundedPool(ms: number): Promise<DialectOf<Name, Database> | null>
  /** Lets go of what the plugin opened itself (BoundedDatabase.close), when the app closes. */
  close(): Promise<void>
}

export type SQLiteDialect = DialectOf<'sqlite', SQLiteDatabase>
export type PgDialect = DialectOf<'pg', PgDatabase>
export type MySqlDialect = DialectOf<'mysql', MySqlDatabase>
/** The dialect of a SQLite, PostgreSQL or MySQL database; `name` tells which, and so the type of `db`. */
export type Dialect = SQLiteDialect | PgDialect | MySqlDialect

/**
 * The driver's error under Drizzle's DrizzleQueryError, which quotes the SQL
 * (and under libSQL's own wrapper, which keeps the SQLite code in `cause`).
 * better-sqlite3's synchronous calls throw the driver's error unwrapped.
 */
export function driverError (error: unknown): { code?: unknown } {
  const wrapped = error as { cause?: { code?: unknown }, code?: unknown }
  return wrapped.cause ?? wrapped
}
