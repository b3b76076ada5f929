// DELETE /auth/sessions/:id carries a session id, which is a token digest, in
// its URL: the request log line shows the route without it.
import t from 'tap'
import { buildApp, bearer } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'
import { hashToken } from '../index.js'

t.test('the request log of DELETE /auth/sessions/:id holds no session id', async (t) => {
  const { lines, logger } = capturedLog()
  const { app, addUser, login } = await buildApp(t, { fastify: { logger } })
  await addUser({ email: 'log@example.com' })
  const current = await login('log@example.com')
  const other = await login('log@example.com')
  const id = hashToken(other)
  lines.length = 0

  const response = await app.inject({ method: 'DELETE', url: `/auth/sessions/${id}`, headers: bearer(current) })
  t.equal(response.statusCode, 204)
  const missing = await app.inject({ method: 'DELETE', url: `/auth/sessions/${id}?again=1`, headers: bearer(current) })
  t.equal(missing.statusCode, 404)

  const log = lines.join('')
  t.notOk(log.includes(id), 'no session id in the log')
  const incoming = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request')
  t.equal(incoming.length, 2)
  t.same(incoming.map((entry) => entry.req.url), ['/auth/sessions/[id]', '/auth/sessions/[id]?again=1'])
  t.equal(incoming[0].req.method, 'DELETE')
  t.equal(incoming[0].req.remoteAddress, '127.0.0.1')
})
