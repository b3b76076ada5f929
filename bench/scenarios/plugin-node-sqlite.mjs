// 8c. The plugin on the SQLite file through node:sqlite (Drizzle 1.x only).
import { openNodeSqlite } from '../lib/databases.mjs'
import { pluginApp } from '../lib/hand.mjs'

export async function build (config) {
  const { drizzle } = await import('drizzle-orm/node-sqlite')
  const client = await openNodeSqlite(config.sqliteFile)
  const app = await pluginApp({ database: drizzle({ client }), lifetimeSeconds: config.lifetimeSeconds, close: async () => client.close() })
  return { app, authorization: `Bearer ${config.token}` }
}
