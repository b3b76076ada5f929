// 1d. The floor of a cache that keeps only digests: the bare route behind an
// onRequest hook that hashes the bearer with the plugin's own hashToken
// (SHA-256) and finds the user in a Map. The plugin's cached path (4, 5c)
// does this and checks the token's lifetime and the revocation channel.
import Fastify from 'fastify'
import { hashToken } from '../../dist/index.js'

export async function build (config) {
  const app = Fastify()
  const user = { id: config.userId, email: config.email, isActive: true, isSuperuser: false, isVerified: true }
  const users = new Map([[hashToken(config.token), user]])
  app.decorateRequest('user', null)
  app.get('/me', {
    onRequest: async function digestLookup (request, reply) {
      const header = request.headers.authorization
      const found = typeof header === 'string' ? users.get(hashToken(header.slice(7))) : undefined
      if (found === undefined) return reply.code(401).send()
      request.user = found
    }
  }, async function me (request) {
    return request.user
  })
  return { app, authorization: `Bearer ${config.token}` }
}
