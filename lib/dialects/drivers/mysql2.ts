import type { AnyDatabase, AnyQuery, Driver } from '../types.js'
import { migrateWith } from './migrator.js'

/** mysql2: Drizzle's prepared query as it is, affectedRows for writes. */
export const mysql2: Driver = {
  name: 'mysql2',
  family: 'mysql',
  databaseKind: 'MySql2Database',
  prepare<Row> (_db: AnyDatabase, query: AnyQuery) {
    const prepared = query.prepare()
    return async (values: Record<string, unknown>): Promise<Row[]> => prepared.execute(values)
  },
  async all (query) {
    return await query
  },
  async write (query) {
    const [header] = await query
    return header.affectedRows
  },
  async transaction (db, work) {
    await db.transaction(work)
  },
  migrate: (db, folder, table) => migrateWith('mysql2', db, folder, table)
}
