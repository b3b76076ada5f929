// 3k. The plugin on SQLite, as scenario 3, but the request carries an API
// key instead of a login token: the key's checksum, then the same lookup.
import Fastify from 'fastify'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import accessTokens from '../../dist/index.js'
import { openSqlite } from '../lib/databases.mjs'

export async function build (config) {
  const db = openSqlite(config.sqliteFile)
  const app = Fastify()
  await app.register(accessTokens, { database: drizzle(db), lifetimeSeconds: config.lifetimeSeconds, apiKeys: true })
  app.get('/me', { onRequest: app.authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', async () => db.close())
  // A key of the same user as scenario 3's token, made once at start.
  const { token } = await app.accessTokens.createApiKey(config.userId, { name: 'bench' })
  return { app, authorization: `Bearer ${token}` }
}
