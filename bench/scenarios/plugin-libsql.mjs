// 8a. The plugin on the SQLite file through libSQL (@libsql/client).
import { drizzle } from 'drizzle-orm/libsql'
import { openLibsql } from '../lib/databases.mjs'
import { pluginApp } from '../lib/hand.mjs'

export async function build (config) {
  const client = await openLibsql(config.sqliteFile)
  const app = await pluginApp({ database: drizzle({ client }), lifetimeSeconds: config.lifetimeSeconds, close: async () => client.close() })
  return { app, authorization: `Bearer ${config.token}` }
}
