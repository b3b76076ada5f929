import t from 'tap'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, sessionRoute } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { rowOf } from './helpers/token-rows.js'

for (const driver of drivers) {
  t.test(`${driver}: the first use writes last_used_at, then at most once a minute`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login, counting } = await buildApp(t, { driver, counting: true, routes: sessionRoute, users: ['a@example.com'] })
    const token = await login('a@example.com')
    t.equal((await rowOf(tdb, token))?.lastUsedAt, null, 'a new token has not been used')

    const firstUse = clock.advance(1000)
    counting.reset()
    const first = await app.inject({ url: '/session', headers: bearer(token) })
    t.equal(first.statusCode, 200)
    t.equal(first.json().lastUsedAt, new Date(firstUse).toISOString())
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), firstUse)
    t.equal(counting.counts.update, 1)

    // Within the minute: answered, nothing written.
    for (const after of [1, 30_000, 59_999]) {
      clock.set(firstUse + after)
      const within = await app.inject({ url: '/session', headers: bearer(token) })
      t.equal(within.statusCode, 200)
      t.equal(within.json().lastUsedAt, new Date(firstUse).toISOString())
    }
    t.equal(counting.counts.update, 1, 'requests within a minute of the last write write nothing')
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), firstUse)

    // A minute after the last write, the next use writes again.
    const secondWrite = clock.set(firstUse + 60_000)
    const later = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(later.statusCode, 200)
    t.equal(counting.counts.update, 2)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), secondWrite)

    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
    t.equal(listed.json()[0].lastUsedAt, new Date(secondWrite).toISOString())
    t.equal(counting.counts.update, 2)
  })

  t.test(`${driver}: each token is throttled on its own`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login, counting } = await buildApp(t, { driver, counting: true, routes: sessionRoute, users: ['a@example.com'] })
    const one = await login('a@example.com')
    const two = await login('a@example.com')
    const at = clock.advance(5000)
    counting.reset()
    t.equal((await app.inject({ url: '/me', headers: bearer(one) })).statusCode, 200)
    t.equal((await app.inject({ url: '/me', headers: bearer(two) })).statusCode, 200)
    t.equal((await app.inject({ url: '/me', headers: bearer(one) })).statusCode, 200)
    t.equal(counting.counts.update, 2)
    t.equal((await rowOf(tdb, one))?.lastUsedAt?.getTime(), at)
    t.equal((await rowOf(tdb, two))?.lastUsedAt?.getTime(), at)
  })

  t.test(`${driver}: verify() counts as a use`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login, counting } = await buildApp(t, { driver, counting: true, routes: sessionRoute, users: ['a@example.com'] })
    const token = await login('a@example.com')
    const at = clock.advance(2000)
    counting.reset()
    const verified = await app.accessTokens.verify(token)
    t.equal(verified?.session.lastUsedAt?.getTime(), at)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), at)
    clock.advance(1000)
    await app.accessTokens.verify(token)
    t.equal(counting.counts.update, 1)
  })

  t.test(`${driver}: with idleTimeoutSeconds 20 the write interval is 10 s`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login, counting } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20 }, counting: true, routes: sessionRoute, users: ['a@example.com'] })
    const token = await login('a@example.com')
    const firstUse = clock.advance(1000)
    counting.reset()
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    clock.set(firstUse + 9_999)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal(counting.counts.update, 1)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), firstUse)

    const next = clock.set(firstUse + 10_000)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal(counting.counts.update, 2)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), next)
  })

  t.test(`${driver}: the interval is min(60 s, idleTimeoutSeconds / 2)`, async (t) => {
    // 21 s idle: every 10.5 s; 300 s idle: still once a minute.
    for (const [idleTimeoutSeconds, intervalMs] of [[21, 10_500], [300, 60_000]]) {
      await t.test(`idleTimeoutSeconds ${idleTimeoutSeconds}`, async (t) => {
        const clock = controlClock(t)
        const { app, login, counting } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds }, counting: true, routes: sessionRoute, users: ['a@example.com'] })
        const token = await login('a@example.com')
        const firstUse = clock.advance(1000)
        counting.reset()
        await app.inject({ url: '/me', headers: bearer(token) })
        clock.set(firstUse + intervalMs - 1)
        await app.inject({ url: '/me', headers: bearer(token) })
        t.equal(counting.counts.update, 1)
        clock.set(firstUse + intervalMs)
        await app.inject({ url: '/me', headers: bearer(token) })
        t.equal(counting.counts.update, 2)
      })
    }
  })

  t.test(`${driver}: with the cache, concurrent requests of a busy token write once`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login, counting } = await buildApp(t, { driver, plugin: { cache: true }, counting: true, routes: sessionRoute, users: ['a@example.com'] })
    const token = await login('a@example.com')
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    const at = clock.advance(60_000)
    counting.reset()
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.inject({ url: '/me', headers: bearer(token) })))
    t.same(answers.map((answer) => answer.statusCode), Array(8).fill(200))
    t.equal(counting.counts.update, 1)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), at)
  })
}
