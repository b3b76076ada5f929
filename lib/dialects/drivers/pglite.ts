import type { PgDatabase, PgDriver, Query, SelectQuery } from '../types.js'
import { migrateWith } from './migrator.js'

/** Drizzle's prepared select on PGlite, and a statement built on a PGlite database. */
interface Prepares {
  prepare(name: string): { execute(values: Record<string, unknown>): Promise<unknown[]> }
}

/**
 * PGlite: PostgreSQL in the process, one connection. Its transactions hold
 * that connection exclusively, other queries wait for them to end.
 */
export const pglite: PgDriver = {
  name: 'pglite',
  family: 'pg',
  databaseKind: 'PgliteDatabase',
  prepare<Row> (_db: PgDatabase, query: SelectQuery, name: string) {
    const prepared = (query as SelectQuery & Prepares).prepare(name)
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.execute(values) as Promise<Row[]>
  },
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
