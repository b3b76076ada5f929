import type { PgDriver, Query, SelectQuery } from '../types.js'
import { migrateWith } from './migrator.js'
import { drizzlePrepared } from './prepared.js'

/**
 * PGlite: PostgreSQL in the process, one connection. Its transactions hold
 * that connection exclusively, other queries wait for them to end.
 */
export const pglite: PgDriver = {
  name: 'pglite',
  family: 'pg',
  databaseKind: 'PgliteDatabase',
  prepare: (_db, query, name) => drizzlePrepared(query, name),
  async all<Row> (query: SelectQuery) {
    return await query as Row[]
  },
  async write (query: Query) {
    // Set for every INSERT, UPDATE and DELETE, the only statements written here.
    return (await query as { affectedRows: number }).affectedRows
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  migrate: (db, folder, table) => migrateWith('pglite', db, folder, table)
}
