import type { Query, SelectQuery, SQLiteDatabase, SQLiteDriver } from '../types.js'
import { migrateWith } from './migrator.js'

/** Drizzle's prepared select on libSQL. */
interface Prepared {
  all(values: Record<string, unknown>): Promise<unknown[]>
}

/** A statement built on a libSQL database (the dialect builds its statements on no other). */
interface Runs {
  all(): Promise<unknown[]>
  run(): Promise<{ rowsAffected: number }>
  prepare(): Prepared
}

/** A libSQL database: its batch runs statements as one transaction. */
interface Batches {
  batch(statements: Query[]): Promise<Array<{ rowsAffected: number }>>
}

/**
 * libSQL (`@libsql/client`): an asynchronous SQLite driver. Its interactive
 * transactions take a connection of their own, which on `:memory:` is
 * another, empty database; a batch runs on the client's connection, as one
 * transaction, without other queries in between.
 */
export const libsql: SQLiteDriver = {
  name: 'libsql',
  family: 'sqlite',
  databaseKind: 'LibSQLDatabase',
  prepare <Row>(_db: SQLiteDatabase, query: SelectQuery) {
    const prepared = (query as SelectQuery & Runs).prepare()
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.all(values) as Promise<Row[]>
  },
  async all<Row> (query: SelectQuery) {
    return await (query as SelectQuery & Runs).all() as Row[]
  },
  async write (query) {
    return (await (query as Query & Runs).run()).rowsAffected
  },
  async atomically (db, build) {
    // The batch's first statement writes, so the write lock is taken before
    // anything is counted, as with BEGIN IMMEDIATE.
    const results = await (db as SQLiteDatabase & Batches).batch(build(db))
    return results.map((result) => result.rowsAffected)
  },
  migrate: (db, folder, table) => migrateWith('libsql', db, folder, table)
}
