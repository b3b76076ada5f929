// 10a. The plugin on PGlite, PostgreSQL in the server's own process.
import { drizzle } from 'drizzle-orm/pglite'
import { openSeededPglite } from '../lib/databases.mjs'
import { pluginApp } from '../lib/hand.mjs'

export async function build (config) {
  const client = await openSeededPglite(config.token)
  const app = await pluginApp({ database: drizzle({ client }), lifetimeSeconds: config.lifetimeSeconds, close: async () => client.close() })
  return { app, authorization: `Bearer ${config.token}` }
}
