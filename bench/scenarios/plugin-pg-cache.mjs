// 5c. The plugin on PostgreSQL with its cache, revocations arriving through
// LISTEN/NOTIFY (a listening connection and its heartbeat running).
import Fastify from 'fastify'
import { drizzle } from 'drizzle-orm/node-postgres'
import accessTokens from '../../dist/index.js'
import { openPgPool } from '../lib/databases.mjs'

export async function build (config) {
  const pool = openPgPool(config.pgUrl)
  const app = Fastify()
  await app.register(accessTokens, { database: drizzle({ client: pool }), lifetimeSeconds: config.lifetimeSeconds, cache: true })
  app.get('/me', { onRequest: app.authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', async () => pool.end())
  return { app, authorization: `Bearer ${config.token}` }
}
