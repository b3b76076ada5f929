// The hand-written reference on a driver other than better-sqlite3 and
// node-postgres (scenarios 2 and 5b write theirs out): SHA-256 of the bearer
// secret, one lookup of the token joined with its user through the driver's
// own API, the lifetime and active checks, request.user.
import { createHash } from 'node:crypto'
import Fastify from 'fastify'

export const LOOKUP_SQL = (userTable, placeholder) =>
  'select t.token, t.user_id, t.created_at, t.last_used_at, t.user_agent, t.ip, ' +
  'u.id, u.email, u.is_active, u.is_superuser, u.is_verified ' +
  `from access_token t join ${userTable} u on u.id = t.user_id where t.token = ${placeholder}`

/**
 * A Fastify app whose /me runs `lookup(digest)` (a row or undefined) and
 * checks it. `time(value)` reads created_at in ms, `yes(value)` a flag, as
 * the driver returns them.
 */
export function handWrittenApp ({ lookup, lifetimeSeconds, time, yes, close }) {
  const lifetimeMs = lifetimeSeconds * 1000
  const app = Fastify()
  app.decorateRequest('user', null)
  async function authenticate (request, reply) {
    const header = request.headers.authorization
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return reply.code(401).send({ statusCode: 401 })
    const row = await lookup(createHash('sha256').update(header.slice(7)).digest('base64url'))
    if (row === undefined || time(row.created_at) + lifetimeMs < Date.now() || !yes(row.is_active)) {
      return reply.code(401).send({ statusCode: 401 })
    }
    request.user = { id: row.id, email: row.email, isActive: true, isSuperuser: yes(row.is_superuser), isVerified: yes(row.is_verified) }
  }
  app.get('/me', { onRequest: authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', close)
  return app
}

/** The plugin on `database`, with /me behind app.authenticate. */
export async function pluginApp ({ database, lifetimeSeconds, close }) {
  const { default: accessTokens } = await import('../../dist/index.js')
  const app = Fastify()
  await app.register(accessTokens, { database, lifetimeSeconds })
  app.get('/me', { onRequest: app.authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', close)
  return app
}
