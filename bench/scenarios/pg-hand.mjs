// 5b. The hand-written node-postgres reference: SHA-256 of the bearer secret
// and one named prepared statement (the same join) on the same pool size.
import { createHash } from 'node:crypto'
import Fastify from 'fastify'
import { openPgPool, LOOKUP_COLUMNS } from '../lib/databases.mjs'

export async function build (config) {
  const pool = openPgPool(config.pgUrl)
  const text = `select ${LOOKUP_COLUMNS} from access_token t join "user" u on u.id = t.user_id where t.token = $1`
  const lifetimeMs = config.lifetimeSeconds * 1000

  const app = Fastify()
  app.decorateRequest('user', null)
  async function authenticate (request, reply) {
    const header = request.headers.authorization
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return reply.code(401).send({ statusCode: 401 })
    const digest = createHash('sha256').update(header.slice(7)).digest('base64url')
    const { rows } = await pool.query({ name: 'bench_token_lookup', text, values: [digest] })
    const row = rows[0]
    if (row === undefined || row.created_at.getTime() + lifetimeMs < Date.now() || row.is_active !== true) {
      return reply.code(401).send({ statusCode: 401 })
    }
    request.user = { id: row.id, email: row.email, isActive: true, isSuperuser: row.is_superuser, isVerified: row.is_verified }
  }
  app.get('/me', { onRequest: authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', async () => pool.end())
  return { app, authorization: `Bearer ${config.token}` }
}
