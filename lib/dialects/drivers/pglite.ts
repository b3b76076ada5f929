import type { AnyDatabase, AnyQuery, Driver } from '../types.js'
import { migrateWith } from './migrator.js'

/**
 * PGlite: PostgreSQL in the process, one connection. Its transactions hold
 * that connection exclusively, other queries wait for them to end.
 */
export const pglite: Driver = {
  name: 'pglite',
  family: 'pg',
  databaseKind: 'PgliteDatabase',
  prepare<Row> (_db: AnyDatabase, query: AnyQuery, name: string) {
    const prepared = query.prepare(name)
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.execute(values)
  },
  async all (query) {
    return await query
  },
  async write (query) {
    // Set for every INSERT, UPDATE and DELETE, the only statements written here.
    return (await query).affectedRows as number
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  migrate: (db, folder, table) => migrateWith('pglite', db, folder, table)
}
