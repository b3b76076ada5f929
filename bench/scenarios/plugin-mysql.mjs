// 11a. The plugin on MySQL/MariaDB through mysql2.
import { drizzle } from 'drizzle-orm/mysql2'
import { openMysqlPool } from '../lib/databases.mjs'
import { pluginApp } from '../lib/hand.mjs'

export async function build (config) {
  const pool = await openMysqlPool(config.mysqlUrl)
  const app = await pluginApp({ database: drizzle({ client: pool }), lifetimeSeconds: config.lifetimeSeconds, close: async () => pool.end() })
  return { app, authorization: `Bearer ${config.token}` }
}
