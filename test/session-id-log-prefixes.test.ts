// Regression: under a prefix containing /sessions ('/sessions',
// '/api/sessions'), DELETE …/sessions/:id logged the session id (a token
// digest): the redaction cut the wrong path segment. Fastify's own 404 lines
// (a trailing slash, a wrong method) logged it under every prefix. Now the
// whole sessions and api-keys path space under the prefix is redacted, for
// every spelling that reaches a route.
import t from 'tap'
import Fastify from 'fastify'
import { buildApp, bearer } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'
import { hashToken, redactTokenIdsInLogs } from '../index.js'
import { redactIdPath } from '../lib/log-redaction.js'

for (const prefix of ['/auth', '/sessions', '/api/sessions', '/api-keys', '']) {
  t.test(`prefix ${JSON.stringify(prefix)}: no session id in any log line of the id paths`, async (t) => {
    const { lines, logger } = capturedLog()
    const built = await buildApp(t, {
      plugin: { routes: { prefix } },
      fastify: { logger, routerOptions: { ignoreDuplicateSlashes: true, caseSensitive: false } }
    })
    const { app } = built
    await built.addUser({ email: 'log@example.com', quickHash: true })
    const login = async (): Promise<string> => (await app.inject({ method: 'POST', url: `${prefix}/login`, payload: { username: 'log@example.com', password: 'correct horse battery staple' } })).json().access_token
    const current = await login()
    const ids = [hashToken(await login()), hashToken(await login()), hashToken(await login())]
    lines.length = 0

    const requests: Array<[string, string, number]> = [
      ['DELETE', `${prefix}/sessions/${ids[0]}`, 204],
      ['DELETE', `${prefix}/sessions/${ids[1]}?again=1`, 204],
      ['DELETE', `${prefix.toUpperCase()}//SESSIONS//${ids[2]}`, 204],
      ['DELETE', `${prefix}/sessions/${ids[0]}/`, 404],
      ['GET', `${prefix}/sessions/${ids[0]}`, 404],
      ['PATCH', `${prefix}/sessions/${ids[0]}/more`, 404],
      ['DELETE', `${prefix}/api-keys/${ids[0]}`, 404],
      ['GET', `${prefix}/api-keys/${ids[0]}/`, 404]
    ]
    for (const [method, url, status] of requests) {
      const response = await app.inject({ method: method as 'GET', url, headers: bearer(current) })
      t.equal(response.statusCode, status, `${method} ${url.replace(/[A-Za-z0-9_-]{43}/, '<id>')}`)
      t.equal(response.headers['cache-control'], 'no-store', 'no-store, 404 included')
      for (const id of ids) t.notOk(response.body.includes(id), 'nor in the answer')
    }

    const log = lines.join('')
    for (const id of ids) {
      t.notOk(log.includes(id), 'no session id in the log')
      t.notOk(log.includes(id.slice(0, 20)), 'not even a part of one')
    }
    const entries = lines.map((line) => JSON.parse(line))
    const incoming = entries.filter((entry) => entry.msg === 'incoming request')
    t.equal(incoming.length, requests.length, 'every request was logged')
    t.same(incoming.slice(0, 2).map((entry) => entry.req.url), [`${prefix}/sessions/[id]`, `${prefix}/sessions/[id]?again=1`])
    t.equal(incoming[0].req.method, 'DELETE')
    t.equal(incoming[0].req.remoteAddress, '127.0.0.1')
    t.equal(entries.filter((entry) => /^Route [A-Z]+:.*\/\[id\] not found$/.test(entry.msg)).length, 5, 'the 404 lines, redacted')
  })
}

t.test('other routes are logged as they are', async (t) => {
  const { lines, logger } = capturedLog('info')
  const { app } = await buildApp(t, { fastify: { logger } })
  await app.inject({ url: '/auth/sessions' })
  await app.inject({ url: '/auth/sessions/' })
  await app.inject({ url: '/auth/elsewhere/x' })
  await app.inject({ url: '/me?sessions/x' })
  await app.inject({ url: '/auth' })
  const urls = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request').map((entry) => entry.req.url)
  t.same(urls, ['/auth/sessions', '/auth/sessions/', '/auth/elsewhere/x', '/me?sessions/x', '/auth'])
})

t.test('the redaction, for URLs that reach no route of the plugin', async (t) => {
  const id = 'A'.repeat(43)
  t.equal(redactIdPath(`/%61uth/Sessions/${id}`, '/auth'), '/%61uth/Sessions/[id]', 'a percent-encoded prefix is still the prefix')
  t.equal(redactIdPath(`/auth/%E0%A4%A/${id}`, '/auth'), null, 'a segment that does not decode is compared as it is')
  t.equal(redactIdPath(`/auth/sessions/%E0%A4%A${id}/x?y=1`, '/auth'), '/auth/sessions/[id]?y=1', 'whatever follows the id segment goes')
  t.equal(redactIdPath(`/api-keys/${id}`, ''), '/api-keys/[id]', 'an empty prefix')
  t.equal(redactIdPath('/auth/', '/auth'), null, 'the prefix alone')
  t.equal(redactIdPath(`/other/sessions/${id}`, '/auth'), null, 'another prefix')
  t.equal(redactIdPath('/auth/sessions//', '/auth'), null, 'the session list, no id')
})

// Fastify's 404 router ignores caseSensitive: false and ignoreDuplicateSlashes,
// so these spellings of the id paths reach the application's 404 handler,
// whose logger Fastify made before any plugin ran: the exported
// childLoggerFactory is the application's way to keep ids out of those lines.
for (const prefix of ['/auth', '']) {
  t.test(`prefix ${JSON.stringify(prefix)}: redactTokenIdsInLogs keeps ids out of the 404 lines the plugin cannot reach`, async (t) => {
    const id = hashToken('x'.repeat(43))
    const misses: Array<[string, string]> = [
      ['DELETE', `${prefix.toUpperCase()}/SESSIONS/${id}/`],
      ['GET', `${prefix.toUpperCase()}/Sessions/${id}`],
      ['DELETE', `/${prefix}//sessions//${id}//`],
      ['PATCH', `${prefix}//api-keys/${id}?x=1`]
    ]
    const routerOptions = { ignoreDuplicateSlashes: true, caseSensitive: false }
    for (const redacting of [false, true]) {
      const { lines, logger } = capturedLog('info')
      const { app } = await buildApp(t, {
        plugin: { routes: { prefix } },
        fastify: { logger, routerOptions, ...(redacting ? { childLoggerFactory: redactTokenIdsInLogs({ prefix }) } : {}) }
      })
      for (const [method, url] of misses) {
        t.equal((await app.inject({ method: method as 'GET', url })).statusCode, 404)
      }
      await app.inject({ url: '/me?x=1' })
      const log = lines.join('')
      const entries = lines.map((line) => JSON.parse(line))
      if (!redacting) {
        t.ok(log.includes(id), 'without it, the id is in the log (so the check works)')
        continue
      }
      t.notOk(log.includes(id.slice(0, 20)), 'with it, no part of the id is in the log')
      const incoming = entries.filter((entry) => entry.msg === 'incoming request').map((entry) => entry.req.url)
      t.equal(incoming.length, misses.length + 1, 'every request was logged')
      t.equal(incoming.at(-1), '/me?x=1', 'other URLs as they are')
      t.ok(incoming.slice(0, -1).every((url: string) => url.endsWith('/[id]') || url.endsWith('/[id]?x=1')), 'the request lines, redacted')
      t.equal(entries.filter((entry) => /^Route [A-Z]+:.*\/\[id\](\?x=1)? not found$/.test(entry.msg)).length, misses.length, 'the 404 lines, redacted')
      t.equal(entries[0].req.method, 'DELETE', 'the rest of the request line as Fastify writes it')
    }
  })
}

t.test('redactTokenIdsInLogs refuses a prefix the plugin would not have', async (t) => {
  for (const prefix of ['auth', 'https://example.com/auth', 5]) {
    t.throws(() => redactTokenIdsInLogs({ prefix: prefix as string }), TypeError, JSON.stringify(prefix))
  }
  t.type(redactTokenIdsInLogs(), 'function', 'the default prefix, /auth')
})

// Without logging, Fastify's child logger is the app's logger itself: the
// factory must leave it as it is, however many requests it redacts.
t.test('redactTokenIdsInLogs changes no logger it is given', async (t) => {
  const app = Fastify({ childLoggerFactory: redactTokenIdsInLogs() })
  t.teardown(() => app.close())
  const info = app.log.info
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: `/auth/sessions/${'a'.repeat(43)}` })).statusCode, 404)
  t.equal(app.log.info, info, 'app.log.info is the one it was')
})
