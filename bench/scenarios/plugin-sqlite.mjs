// 3, 3l, 3k and 4. The plugin on SQLite: bearer, app.authenticate and
// request.user; `cache` or `apiKeys` on when the scenario asks for it.
import Fastify from 'fastify'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import accessTokens from '../../dist/index.js'
import { openSqlite } from '../lib/databases.mjs'

export async function build (config, { cache = false, apiKeys = false } = {}) {
  const db = openSqlite(config.sqliteFile)
  const app = Fastify()
  await app.register(accessTokens, { database: drizzle({ client: db }), lifetimeSeconds: config.lifetimeSeconds, cache, apiKeys })
  app.get('/me', { onRequest: app.authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', async () => db.close())
  return { app, authorization: `Bearer ${config.token}` }
}
