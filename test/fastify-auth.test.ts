// @fastify/auth combines app.authenticate and app.requireUser(...) with the
// application's own checks. It calls each function with (request, reply,
// done) and accepts a returned promise instead of done: the plugin's hooks are
// async functions, so their rejections are the failures it sees.
import t from 'tap'
import createError from '@fastify/error'
import fastifyAuth from '@fastify/auth'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

const API_KEY = 'k_0123456789abcdef'
const BAD_API_KEY = createError('BAD_API_KEY', 'A valid x-api-key header is required', 401)
const NOT_FROM_OFFICE = createError('NOT_FROM_OFFICE', 'Only from the office network', 403)

for (const driver of drivers) {
  t.test(`${driver}: app.authenticate inside app.auth([...])`, async (t) => {
    let apiKeyCalls = 0
    // An async check, like the plugin's own hooks.
    async function apiKey (request: FastifyRequest): Promise<void> {
      apiKeyCalls++
      if (request.headers['x-api-key'] !== API_KEY) throw new BAD_API_KEY()
    }
    // A callback-style check, the other kind @fastify/auth takes.
    function fromOffice (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
      done(request.headers['x-office'] === 'yes' ? undefined : new NOT_FROM_OFFICE())
    }
    const whoami = async (request: FastifyRequest) => ({ user: request.user?.email ?? null, session: request.accessToken !== null })

    const { app, addUser, login } = await buildApp(t, {
      driver,
      routes: (app) => {
        app.register(async function protectedRoutes (app: FastifyInstance) {
          await app.register(fastifyAuth)
          app.get('/either', { onRequest: app.auth([app.authenticate, apiKey]) }, whoami)
          app.get('/both', { onRequest: app.auth([app.authenticate, apiKey], { relation: 'and' }) }, whoami)
          app.get('/both-key-first', { onRequest: app.auth([apiKey, app.authenticate], { relation: 'and' }) }, whoami)
          app.get('/admin-or-key', { onRequest: app.auth([app.requireUser({ superuser: true }), apiKey]) }, whoami)
          // (token and office) or key
          app.get('/office-or-key', { onRequest: app.auth([[app.authenticate, fromOffice], apiKey]) }, whoami)
          // In the preHandler phase, as @fastify/auth's README shows it.
          app.post('/pre', { preHandler: app.auth([app.authenticate, apiKey]) }, whoami)
        })
      }
    })
    await addUser({ email: 'ann@example.com' })
    await addUser({ email: 'root@example.com', isSuperuser: true })
    const ivanId = await addUser({ email: 'ivan@example.com', isActive: false })
    const ann = await login('ann@example.com')
    const root = await login('root@example.com')
    const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers })
    const key = { 'x-api-key': API_KEY }

    t.test('or: a valid token passes, and the other check is not run', async (t) => {
      apiKeyCalls = 0
      const response = await get('/either', bearer(ann))
      t.equal(response.statusCode, 200)
      t.same(response.json(), { user: 'ann@example.com', session: true })
      t.equal(apiKeyCalls, 0)
    })

    t.test('or: without a token the other check decides, and request.user stays null', async (t) => {
      const byKey = await get('/either', key)
      t.equal(byKey.statusCode, 200)
      t.same(byKey.json(), { user: null, session: false })
      const badTokenButKey = await get('/either', { ...bearer('x'.repeat(43)), ...key })
      t.equal(badTokenButKey.statusCode, 200)
      t.same(badTokenButKey.json(), { user: null, session: false })
    })

    t.test('or: an inactive user\'s token is refused; the key lets the request in as anonymous', async (t) => {
      // As if issued before the user was deactivated.
      const { token } = await app.accessTokens.issue(ivanId)
      const refused = await get('/either', bearer(token))
      t.equal(refused.statusCode, 401)
      t.equal(refused.json().code, 'BAD_API_KEY')
      const withKey = await get('/either', { ...bearer(token), ...key })
      t.equal(withKey.statusCode, 200)
      t.same(withKey.json(), { user: null, session: false })
    })

    t.test('or: when every check fails, the answer is the last failure', async (t) => {
      const none = await get('/either')
      t.equal(none.statusCode, 401)
      t.equal(none.json().code, 'BAD_API_KEY')
      const wrongKey = await get('/either', { 'x-api-key': 'nope' })
      t.equal(wrongKey.statusCode, 401)
      t.equal(wrongKey.json().code, 'BAD_API_KEY')
    })

    t.test('and: both a token and the key are needed', async (t) => {
      const both = await get('/both', { ...bearer(ann), ...key })
      t.equal(both.statusCode, 200)
      t.same(both.json(), { user: 'ann@example.com', session: true })

      apiKeyCalls = 0
      const keyOnly = await get('/both', key)
      t.equal(keyOnly.statusCode, 401)
      t.equal(keyOnly.json().code, 'UNAUTHORIZED', 'the token check failed first')
      t.equal(keyOnly.headers['www-authenticate'], 'Bearer')
      t.equal(apiKeyCalls, 0, 'and stops at the first failure')

      const tokenOnly = await get('/both', bearer(ann))
      t.equal(tokenOnly.statusCode, 401)
      t.equal(tokenOnly.json().code, 'BAD_API_KEY')

      const keyFirst = await get('/both-key-first', key)
      t.equal(keyFirst.statusCode, 401)
      t.equal(keyFirst.json().code, 'UNAUTHORIZED')
      t.equal((await get('/both-key-first', { ...bearer(root), ...key })).json().user, 'root@example.com')
    })

    t.test('requireUser(...) hooks combine the same way: 403 for a user who fails the requirement, unless the key passes', async (t) => {
      t.same((await get('/admin-or-key', bearer(root))).json(), { user: 'root@example.com', session: true })
      const plainUser = await get('/admin-or-key', bearer(ann))
      t.equal(plainUser.statusCode, 401, 'the last failure (the key) answers')
      t.equal(plainUser.json().code, 'BAD_API_KEY')
      const plainUserWithKey = await get('/admin-or-key', { ...bearer(ann), ...key })
      t.equal(plainUserWithKey.statusCode, 200)
    })

    t.test('a sub-array (and) inside or, mixing async and callback checks', async (t) => {
      t.equal((await get('/office-or-key', { ...bearer(ann), 'x-office': 'yes' })).statusCode, 200)
      t.equal((await get('/office-or-key', key)).statusCode, 200)
      const tokenOutsideOffice = await get('/office-or-key', bearer(ann))
      t.equal(tokenOutsideOffice.statusCode, 401)
      t.equal(tokenOutsideOffice.json().code, 'BAD_API_KEY')
      const officeWithoutToken = await get('/office-or-key', { 'x-office': 'yes' })
      t.equal(officeWithoutToken.statusCode, 401)
    })

    t.test('in the preHandler phase', async (t) => {
      const withToken = await app.inject({ method: 'POST', url: '/pre', headers: bearer(ann), payload: { any: 'body' } })
      t.equal(withToken.statusCode, 200)
      t.equal(withToken.json().user, 'ann@example.com')
      const neither = await app.inject({ method: 'POST', url: '/pre', payload: {} })
      t.equal(neither.statusCode, 401)
    })

    t.test('a revoked token fails inside app.auth like anywhere else', async (t) => {
      const token = await login('ann@example.com')
      t.equal((await get('/both', { ...bearer(token), ...key })).statusCode, 200)
      t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
      const after = await get('/both', { ...bearer(token), ...key })
      t.equal(after.statusCode, 401)
      t.equal(after.json().code, 'UNAUTHORIZED')
      t.equal(after.headers['www-authenticate'], 'Bearer error="invalid_token"')
    })
  })
}
