// Regression: only POST /login sent Cache-Control: no-store. GET /sessions
// lists IP addresses and user agents, and every answer of the plugin's
// routes says who is signed in: each one, errors included, now carries it.
import t from 'tap'
import type { InjectOptions } from 'fastify'
import { buildApp, bearer } from './helpers/app.js'
import { hashToken } from '../index.js'

const SAME_ORIGIN = { host: 'app.example.com', origin: 'http://app.example.com' }

t.test('every answer of the plugin\'s routes carries Cache-Control: no-store', async (t) => {
  const built = await buildApp(t, { plugin: { cookie: { secure: false } } })
  const { app, login } = built
  await built.addUser({ email: 'ann@example.com', quickHash: true })
  const token = await login('ann@example.com')
  const other = await login('ann@example.com')
  const last = await login('ann@example.com')

  const cases: Array<[string, InjectOptions, number]> = [
    ['login', { method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: 'correct horse battery staple' } }, 200],
    ['login, bad credentials', { method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: 'wrong' } }, 400],
    ['login, missing field', { method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com' } }, 400],
    ['login, unknown content type', { method: 'POST', url: '/auth/login', payload: 'x', headers: { 'content-type': 'application/xml' } }, 415],
    ['login, foreign origin', { method: 'POST', url: '/auth/login', payload: { username: 'a', password: 'b' }, headers: { origin: 'https://evil.example' } }, 403],
    ['sessions', { url: '/auth/sessions', headers: bearer(token) }, 200],
    ['sessions, no token', { url: '/auth/sessions' }, 401],
    ['sessions, bad token', { url: '/auth/sessions', headers: bearer('x'.repeat(43)) }, 401],
    ['delete a session', { method: 'DELETE', url: `/auth/sessions/${hashToken(other)}`, headers: bearer(token) }, 204],
    ['delete a session, not found', { method: 'DELETE', url: `/auth/sessions/${hashToken(other)}`, headers: bearer(token) }, 404],
    ['logout, cookie from a foreign origin', { method: 'POST', url: '/auth/logout', headers: { cookie: `access_token=${token}`, origin: 'https://evil.example' } }, 403],
    ['logout', { method: 'POST', url: '/auth/logout', headers: { cookie: `access_token=${token}`, ...SAME_ORIGIN } }, 204],
    ['logout, revoked token', { method: 'POST', url: '/auth/logout', headers: bearer(token) }, 401],
    ['logout-all', { method: 'POST', url: '/auth/logout-all', headers: bearer(last) }, 204],
    ['logout-all, no token', { method: 'POST', url: '/auth/logout-all' }, 401],
    ['a wrong method', { method: 'PUT', url: '/auth/sessions/abc' }, 404]
  ]
  for (const [name, request, status] of cases) {
    const response = await app.inject(request)
    t.equal(response.statusCode, status, name)
    t.equal(response.headers['cache-control'], 'no-store', `${name}: no-store`)
  }
  const own = await app.inject({ url: '/me' })
  t.equal(own.headers['cache-control'], undefined, 'the application\'s own routes are left to it')
})
