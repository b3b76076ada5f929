// 9a. The plugin on PostgreSQL through postgres.js.
import { drizzle } from 'drizzle-orm/postgres-js'
import { openPostgresJs } from '../lib/databases.mjs'
import { pluginApp } from '../lib/hand.mjs'

export async function build (config) {
  const sql = await openPostgresJs(config.pgUrl)
  const app = await pluginApp({ database: drizzle({ client: sql }), lifetimeSeconds: config.lifetimeSeconds, close: async () => sql.end() })
  return { app, authorization: `Bearer ${config.token}` }
}
