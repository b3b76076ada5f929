// What a custom getUser returns, and when it is asked: only for a live token,
// and only an object counts as a user.
import t from 'tap'
import { controlClock } from './helpers/controlled-clock.js'
import { buildApp, bearer } from './helpers/app.js'

t.test('getUser is not called for an expired token', async (t) => {
  const calls: unknown[] = []
  const { app, addUser, login } = await buildApp(t, {
    plugin: {
      lifetimeSeconds: 60,
      getUser: async (id: never) => { calls.push(id); return { id, isActive: true } }
    }
  })
  const clock = controlClock(t)
  await addUser({ email: 'expired@example.com' })
  const token = await login('expired@example.com')
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  t.equal(calls.length, 1)
  clock.advance(60_001)
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  t.equal(calls.length, 1, 'no call for the expired token')
})

t.test('a getUser answer that is no object is no user', async (t) => {
  for (const answer of [false, 0, '', 'someone', 42]) {
    const { app, addUser, login } = await buildApp(t, { plugin: { getUser: async () => answer as never } })
    await addUser({ email: `answer-${String(answer)}@example.com` })
    const token = await login(`answer-${String(answer)}@example.com`)
    const response = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(response.statusCode, 401, JSON.stringify(answer))
    t.equal(await app.accessTokens.verify(token), null)
  }
})

t.test('a getUser that rejects with nothing stops the request', async (t) => {
  for (const reason of [undefined, null, 0, '']) {
    const { app, addUser, login } = await buildApp(t, {
      plugin: { getUser: async () => { throw reason } },
      routes: (app) => {
        app.get('/awaited', { onRequest: async (request, reply) => { await app.authenticate(request, reply) } }, async () => 'through')
      }
    })
    await addUser({ email: 'rejected@example.com' })
    const token = await login('rejected@example.com')
    for (const url of ['/me', '/awaited']) {
      const response = await app.inject({ url, headers: bearer(token) })
      t.equal(response.statusCode, 500, `${url}, getUser rejecting with ${JSON.stringify(reason)}: no user, no route`)
      t.not(response.body, 'through')
    }
  }
})
