import type { AnyDatabase, AnyQuery, Driver } from '../types.js'
import { migrateWith } from './migrator.js'

/**
 * postgres.js: Drizzle's prepared query as it is (postgres.js prepares each
 * statement on each connection itself), `count` for writes, and a
 * transaction on a connection postgres.js reserves for it (`sql.begin`).
 */
export const postgresJs: Driver = {
  name: 'postgres-js',
  family: 'pg',
  databaseKind: 'PostgresJsDatabase',
  prepare<Row> (_db: AnyDatabase, query: AnyQuery, name: string) {
    const prepared = query.prepare(name)
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.execute(values)
  },
  async all (query) {
    return await query
  },
  async write (query) {
    return (await query).count
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  migrate: (db, folder, table) => migrateWith('postgres-js', db, folder, table)
}
