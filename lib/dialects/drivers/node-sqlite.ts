import { publicSelect, syncSqliteDriver } from './sync-sqlite.js'

/** node:sqlite (Drizzle 1.x, Node.js 22.5 and newer): Drizzle's prepared query as it is. */
export const nodeSqlite = syncSqliteDriver('node-sqlite', 'NodeSQLiteDatabase', publicSelect)
