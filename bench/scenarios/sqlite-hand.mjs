// 2. The floor of a database check: SHA-256 of the bearer secret and one
// better-sqlite3 prepared join of the token and user tables, in onRequest.
import { createHash } from 'node:crypto'
import Fastify from 'fastify'
import { openSqlite, LOOKUP_COLUMNS } from '../lib/databases.mjs'

export async function build (config) {
  const db = openSqlite(config.sqliteFile)
  const lookup = db.prepare(`select ${LOOKUP_COLUMNS} from access_token t join user u on u.id = t.user_id where t.token = ?`)
  const lifetimeMs = config.lifetimeSeconds * 1000

  const app = Fastify()
  app.decorateRequest('user', null)
  async function authenticate (request, reply) {
    const header = request.headers.authorization
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return reply.code(401).send({ statusCode: 401 })
    const row = lookup.get(createHash('sha256').update(header.slice(7)).digest('base64url'))
    if (row === undefined || row.created_at + lifetimeMs < Date.now() || row.is_active !== 1) {
      return reply.code(401).send({ statusCode: 401 })
    }
    request.user = { id: row.id, email: row.email, isActive: true, isSuperuser: row.is_superuser === 1, isVerified: row.is_verified === 1 }
  }
  app.get('/me', { onRequest: authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', async () => db.close())
  return { app, authorization: `Bearer ${config.token}` }
}
