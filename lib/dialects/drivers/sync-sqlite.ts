import type { DriverName, Query, Select, SelectQuery, SQLiteDatabase, SQLiteDriver, SQLiteQueryBuilder } from '../types.js'
import { migrateWith } from './migrator.js'

/** Drizzle's prepared select on a synchronous driver. */
export interface SyncPrepared {
  all(values: Record<string, unknown>): unknown[]
}

/**
 * A statement built on a synchronous SQLite database (the dialect builds
 * its statements on no other): it runs when asked, and answers at once.
 */
interface Runs {
  all(): unknown[]
  run(): { changes: number | bigint }
  prepare(): SyncPrepared
}

/** A synchronous SQLite database: its transaction is a synchronous function. */
interface SyncDatabase {
  transaction<T>(work: (tx: SQLiteQueryBuilder) => T, config: { behavior: 'immediate' }): T
}

/** A select through Drizzle's own prepared query: its public API. */
export function publicSelect (prepared: SyncPrepared): Select<unknown> {
  return (values) => prepared.all(values)
}

/**
 * A synchronous SQLite driver (better-sqlite3, node:sqlite): queries answer
 * at once, and a transaction is a synchronous function, so nothing else can
 * run inside it.
 */
export function syncSqliteDriver (name: DriverName, databaseKind: string, select: (prepared: SyncPrepared) => Select<unknown>): SQLiteDriver {
  return {
    name,
    family: 'sqlite',
    databaseKind,
    synchronous: true,
    prepare: <Row>(_db: SQLiteDatabase, query: SelectQuery) => select((query as SelectQuery & Runs).prepare()) as Select<Row>,
    async all<Row> (query: SelectQuery) {
      return (query as SelectQuery & Runs).all() as Row[]
    },
    async write (query) {
      return Number((query as Query & Runs).run().changes)
    },
    async atomically (db, build) {
      // IMMEDIATE takes the write lock at BEGIN, so two processes sharing the
      // file cannot both count the same rows and exceed the limit.
      return (db as SQLiteDatabase & SyncDatabase).transaction((tx) =>
        build(tx).map((statement) => Number((statement as Query & Runs).run().changes)), { behavior: 'immediate' })
    },
    migrate: (db, folder, table) => migrateWith(name, db, folder, table)
  }
}
