import type { AnyDatabase, AnyQuery, DriverName, Driver, Select } from '../types.js'
import { migrateWith } from './migrator.js'

/** A select through Drizzle's own prepared query: its public API. */
export function publicSelect (prepared: AnyQuery): Select<unknown> {
  return (values) => prepared.all(values)
}

/**
 * A synchronous SQLite driver (better-sqlite3, node:sqlite): queries answer
 * at once, and a transaction is a synchronous function, so nothing else can
 * run inside it.
 */
export function syncSqliteDriver (name: DriverName, databaseKind: string, select: (prepared: AnyQuery) => Select<unknown>): Driver {
  return {
    name,
    family: 'sqlite',
    databaseKind,
    synchronous: true,
    prepare: <Row>(_db: AnyDatabase, query: AnyQuery) => select(query.prepare()) as Select<Row>,
    async all (query) {
      return query.all()
    },
    async write (query) {
      return Number(query.run().changes)
    },
    async atomically (db, build) {
      // IMMEDIATE takes the write lock at BEGIN, so two processes sharing the
      // file cannot both count the same rows and exceed the limit.
      return db.transaction((tx: AnyDatabase) =>
        build(tx).map((statement) => Number(statement.run().changes)), { behavior: 'immediate' })
    },
    migrate: (db, folder, table) => migrateWith(name, db, folder, table)
  }
}
