import type { AnyDatabase, AnyQuery, Driver } from '../types.js'
import { migrateWith } from './migrator.js'

/**
 * libSQL (`@libsql/client`): an asynchronous SQLite driver. Its interactive
 * transactions take a connection of their own, which on `:memory:` is
 * another, empty database; a batch runs on the client's connection, as one
 * transaction, without other queries in between.
 */
export const libsql: Driver = {
  name: 'libsql',
  family: 'sqlite',
  databaseKind: 'LibSQLDatabase',
  prepare <Row>(_db: AnyDatabase, query: AnyQuery) {
    const prepared = query.prepare()
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.all(values)
  },
  async all (query) {
    return await query.all()
  },
  async write (query) {
    return (await query.run()).rowsAffected
  },
  async atomically (db, build) {
    // The batch's first statement writes, so the write lock is taken before
    // anything is counted, as with BEGIN IMMEDIATE.
    const results: Array<{ rowsAffected: number }> = await db.batch(build(db))
    return results.map((result) => result.rowsAffected)
  },
  migrate: (db, folder, table) => migrateWith('libsql', db, folder, table)
}
