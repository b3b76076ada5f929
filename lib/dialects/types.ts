import type { Column } from 'drizzle-orm'

export type DialectName = 'sqlite' | 'pg' | 'mysql'

/**
 * A Drizzle database or transaction of any dialect. The store builds its
 * queries with the builder methods every dialect shares; the dialect runs them.
 */

export type AnyDatabase = any

export type AnyQuery = any

export type AnyTable = any

/** What `insertToken` needs to know of the token table. */
export interface TokenInsert {
  table: AnyTable
  token: Column
  userId: Column
  createdAt: Column
  /** The row, keyed by the table's property names. */
  values: Record<string, unknown>
  digest: string
  ownerId: unknown
  /** Keep at most this many tokens of the owner, the new one included; null: no limit. */
  keep: number | null
  /**
   * The statement (or null) that publishes the revocation of the evicted
   * tokens, run inside the insert's transaction when any were evicted
   * (lib/revocations); null: nowhere to publish.
   */
  publish?: ((tx: AnyDatabase, digests: string[]) => AnyQuery | null) | null
}

/** Everything that differs between SQLite, PostgreSQL and MySQL, and nothing else. */
export interface Dialect {
  readonly name: DialectName
  readonly db: AnyDatabase
  /**
   * Prepares a select once, at registration; the returned function runs it
   * with values for its `sql.placeholder`s. SQLite answers synchronously.
   */
  prepare<Row>(query: AnyQuery, name: string): (values: Record<string, unknown>) => Row[] | Promise<Row[]>
  /** Runs a select and returns its rows. */
  all<Row>(query: AnyQuery): Promise<Row[]>
  /** Runs an insert, update or delete and returns how many rows it touched. */
  write(query: AnyQuery): Promise<number>
  /** Inserts a token and trims the owner's oldest beyond `keep`, in one transaction. */
  insertToken(insert: TokenInsert): Promise<void>
  /** Whether an error is a unique-key violation (createUser: a taken email). */
  isUniqueViolation(error: unknown): boolean
  /** Whether a Drizzle table belongs to this dialect. */
  ownsTable(table: AnyTable): boolean
  /** The default `user` and `access_token` tables of this dialect. */
  readonly defaults: { users: AnyTable, accessTokens: AnyTable }
  /** Applies a drizzle-kit migrations folder, recording it in `migrationsTable`. */
  migrate(migrationsFolder: string, migrationsTable: string): Promise<void>
}

/**
 * The driver's error under Drizzle's DrizzleQueryError, which quotes the SQL.
 * better-sqlite3's synchronous calls throw the driver's error unwrapped.
 */
export function driverError (error: unknown): { code?: unknown } {
  const wrapped = error as { cause?: { code?: unknown }, code?: unknown }
  return wrapped.cause ?? wrapped
}
