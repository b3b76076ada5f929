// 7. better-auth: getSession with its bearer plugin, on SQLite
// (better-sqlite3 through its Kysely adapter), schema from getMigrations.
import Fastify from 'fastify'
import { betterAuth } from 'better-auth'
import { bearer } from 'better-auth/plugins'
import { getMigrations } from 'better-auth/db/migration'
import { fromNodeHeaders } from 'better-auth/node'
import { openSqlite } from '../lib/databases.mjs'

export async function build (config) {
  const db = openSqlite(config.betterAuthFile)
  const auth = betterAuth({
    database: db,
    secret: config.jwtSecret,
    baseURL: 'http://127.0.0.1',
    emailAndPassword: { enabled: true },
    session: { expiresIn: config.lifetimeSeconds },
    plugins: [bearer()],
    telemetry: { enabled: false },
    logger: { disabled: true }
  })
  const { runMigrations } = await getMigrations(auth.options)
  await runMigrations()
  const credentials = { email: config.email, password: 'correct horse battery staple' }
  await auth.api.signUpEmail({ body: { ...credentials, name: 'Bench' } })
  // The bearer plugin hands out the signed session token in set-auth-token.
  const signIn = await auth.api.signInEmail({ body: credentials, returnHeaders: true })
  const token = signIn.headers.get('set-auth-token')

  const app = Fastify()
  app.decorateRequest('user', null)
  async function authenticate (request, reply) {
    const session = await auth.api.getSession({ headers: fromNodeHeaders(request.headers) })
    if (session === null) return reply.code(401).send({ statusCode: 401 })
    request.user = session.user
  }
  app.get('/me', { onRequest: authenticate }, async function me (request) {
    return request.user
  })
  app.addHook('onClose', async () => db.close())
  return { app, authorization: `Bearer ${token}` }
}
