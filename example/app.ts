// The demo application: the plugin, a protected GET /me, POST /register,
// the notes routes and the HTML page at /.
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import accessTokens, { createUser } from '../index.js'
import { notesRoutes } from './notes.js'

const page = readFileSync(new URL('page.html', import.meta.url))
const script = readFileSync(new URL('page.js', import.meta.url))

// The page loads nothing from elsewhere and runs no inline script, so even an
// injected <script> could not run; and it may talk to this server alone.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

export async function buildApp ({ db, logLevel = 'warn' }: { db: BetterSQLite3Database, logLevel?: string }): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: logLevel,
      // Fastify logs no headers by default; should a serializer ever add
      // them, the credentials stay out of the logs.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]']
    }
  })

  // The OpenAPI document of the routes registered after it, shown at /docs.
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'fastify-access-tokens demo', version: '1.0.0' } } })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(accessTokens, {
    database: db,
    // Bearer for curl and other programs, the HttpOnly cookie for the page.
    bearer: true,
    // __Host-: the browser keeps the cookie to this very host, path / and
    // Secure, so a sibling subdomain can neither plant nor overwrite it.
    // Browsers take Secure cookies from http://localhost and
    // http://127.0.0.1 (secure contexts); anywhere else, serve over https.
    cookie: { name: '__Host-access_token', secure: true },
    // Keys for scripts: created on the page, sent by curl in the Bearer header.
    apiKeys: { prefix: 'demo_', scopes: ['notes:read', 'notes:write'], maxPerUser: 20 }
  })

  app.get('/me', { config: { auth: true } }, async function me (request) {
    return request.user
  })

  // Sign-up belongs to the application, not to the plugin: createUser
  // hashes the password and answers 409 USER_ALREADY_EXISTS for a taken email.
  app.post<{ Body: { email: string, password: string } }>('/register', {
    schema: {
      body: {
        type: 'object',
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', format: 'email', maxLength: 320 },
          password: { type: 'string', minLength: 8, maxLength: 1024 }
        }
      }
    }
  }, async function register (request, reply) {
    const user = await createUser(db, { email: request.body.email, password: request.body.password })
    return reply.code(201).send(user)
  })

  await app.register(notesRoutes, { db })

  app.get('/', async function home (_request, reply) {
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(page)
  })
  app.get('/page.js', async function pageScript (_request, reply) {
    return reply
      .type('text/javascript; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .send(script)
  })

  return app
}
