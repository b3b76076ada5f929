import type { SQL } from 'drizzle-orm'
import type { DrizzleTable, MySqlQueryBuilder, PgQueryBuilder, Query, SelectQuery, SQLiteQueryBuilder } from '../dialects/types.js'
import type { RevocationEvent } from './events.js'

/**
 * Publishes revocations, each in the transaction that makes it: a
 * revocation whose notice cannot be written is not made (503), and no
 * notice goes out for one that rolled back.
 */
export interface Publisher {
  /**
   * Deletes the rows of `table` matching `where` and, when any went,
   * publishes `event` in the same transaction. Returns how many went.
   */
  revoke(table: DrizzleTable, where: SQL, event: RevocationEvent): Promise<number>
  /** Publishes an event that deletes nothing (invalidateUser). */
  publish(event: RevocationEvent): Promise<void>
  /**
   * PostgreSQL and MySQL: the statement that publishes `event` inside the
   * transaction `tx` (the evictions of maxTokensPerUser); the dialect runs
   * it as it runs its other statements.
   */
  within?(tx: PgQueryBuilder | MySqlQueryBuilder, event: RevocationEvent): PromiseLike<unknown>
  /**
   * SQLite: the statement that publishes the revocation of the tokens the
   * select `evicted` names, run just before they are deleted, among
   * statements that read no answer in between. Without either, evictions
   * are published by `evicted`.
   */
  selected?(tx: SQLiteQueryBuilder, evicted: SelectQuery): Query
  /**
   * Called once an insert evicted some of the user's tokens by
   * maxTokensPerUser, for a publisher that publishes no statement (the
   * process itself).
   */
  evicted?(userId: unknown): void
}

/** Receives the revocations of every instance and keeps the cache's liveness up to date. */
export interface Receiver {
  start(): Promise<void>
  close(): Promise<void>
}
