import t from 'tap'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, sessionRoute, status } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { rowOf } from './helpers/token-rows.js'

const iso = (ms: number): string => new Date(ms).toISOString()

for (const driver of drivers) {
  t.test(`${driver}: a token never used idles out idleTimeoutSeconds after its creation`, async (t) => {
    const clock = controlClock(t)
    const { app, login } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20 }, routes: sessionRoute, users: ['a@example.com'] })
    const created = clock.now()
    const onTime = await login('a@example.com')
    const late = await login('a@example.com')

    clock.set(created + 20_000)
    t.equal(await status(app, onTime), 200, 'valid at exactly creation + idle timeout')
    clock.set(created + 20_001)
    t.equal(await status(app, late), 401, 'refused 1 ms after')
  })

  t.test(`${driver}: a used token idles out idleTimeoutSeconds after its last recorded use`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20 }, routes: sessionRoute, users: ['a@example.com'] })
    const onTime = await login('a@example.com')
    const late = await login('a@example.com')
    const used = clock.advance(15_000)
    t.equal(await status(app, onTime), 200)
    t.equal(await status(app, late), 200)

    clock.set(used + 20_000)
    const atEdge = await app.inject({ url: '/session', headers: bearer(onTime) })
    t.equal(atEdge.statusCode, 200, 'valid at exactly last use + idle timeout')
    clock.set(used + 20_001)
    const after = await app.inject({ url: '/me', headers: bearer(late) })
    t.equal(after.statusCode, 401, 'refused 1 ms after')
    t.equal(after.json().code, 'UNAUTHORIZED')
    t.match(after.headers['www-authenticate'], /invalid_token/)
    // An idle-expired token counts as expired: verify() says no, the list leaves it out.
    t.equal(await app.accessTokens.verify(late), null)
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(onTime) })
    t.same(listed.json().map((session: { current: boolean }) => session.current), [true])
    // Refusing it wrote nothing.
    t.equal((await rowOf(tdb, late))?.lastUsedAt?.getTime(), used)
  })

  t.test(`${driver}: a token in steady use never idles out`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, login } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20, lifetimeSeconds: null }, routes: sessionRoute, users: ['a@example.com'] })
    const token = await login('a@example.com')
    // Steady use: at least every idleTimeoutSeconds / 2, the write interval.
    // Uses 9 s or 7 s apart fall inside it, so only some are recorded;
    // uses 10 s apart are each recorded.
    for (const gap of [9_000, 10_000, 7_000]) {
      for (let use = 0; use < 20; use++) {
        clock.advance(gap)
        t.equal(await status(app, token), 200, `use every ${gap} ms, ${use}`)
      }
    }
    t.ok((await rowOf(tdb, token)) !== undefined)
    clock.advance(20_001)
    t.equal(await status(app, token), 401, 'and idles out once the use stops')
  })

  t.test(`${driver}: the absolute lifetime holds for a token in steady use`, async (t) => {
    const clock = controlClock(t)
    const { app, login } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20, lifetimeSeconds: 100 }, routes: sessionRoute, users: ['a@example.com'] })
    const created = clock.now()
    const token = await login('a@example.com')
    const other = await login('a@example.com')
    while (clock.now() + 10_000 < created + 100_000) {
      clock.advance(10_000)
      t.equal(await status(app, token), 200)
      t.equal(await status(app, other), 200)
    }
    clock.set(created + 100_000)
    t.equal(await status(app, token), 200, 'valid at exactly created + lifetime')
    clock.set(created + 100_001)
    t.equal(await status(app, other), 401, 'refused 1 ms after, though used 1 s ago')
  })

  t.test(`${driver}: expiresAt = min(created + lifetime, (last use or created) + idle timeout)`, async (t) => {
    const clock = controlClock(t)
    const { app, login, userIds: [userId] } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20, lifetimeSeconds: 30 }, routes: sessionRoute, users: ['a@example.com'] })
    const created = clock.now()
    const token = await login('a@example.com')
    const expiresAt = async (): Promise<string> => {
      const response = await app.inject({ url: '/session', headers: bearer(token) })
      t.equal(response.statusCode, 200)
      return response.json().expiresAt
    }

    // Before any use: the idle term counts from creation.
    const issued = await app.accessTokens.list(userId)
    t.equal(issued[0].expiresAt?.getTime(), created + 20_000)
    // Used at +5 s: the idle term (+25 s) is still the sooner.
    clock.set(created + 5_000)
    t.equal(await expiresAt(), iso(created + 25_000))
    // Used at +15 s: the idle term (+35 s) passes the lifetime (+30 s).
    clock.set(created + 15_000)
    t.equal(await expiresAt(), iso(created + 30_000))
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
    t.equal(listed.json()[0].expiresAt, iso(created + 30_000))
  })

  t.test(`${driver}: expiresAt follows whichever limit is set`, async (t) => {
    for (const [options, expected] of [
      [{ lifetimeSeconds: 30 }, 30_000],
      [{ lifetimeSeconds: null, idleTimeoutSeconds: 20 }, 20_000],
      [{ lifetimeSeconds: null }, null]
    ] as const) {
      await t.test(JSON.stringify(options), async (t) => {
        const clock = controlClock(t)
        const { app, login } = await buildApp(t, { driver, plugin: options, routes: sessionRoute, users: ['a@example.com'] })
        const created = clock.now()
        const token = await login('a@example.com')
        const response = await app.inject({ url: '/session', headers: bearer(token) })
        t.equal(response.json().expiresAt, expected === null ? null : iso(created + expected))
        const listed = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
        t.equal(listed.json()[0].expiresAt, expected === null ? null : iso(created + expected))
      })
    }
  })

  t.test(`${driver}: login answers expires_in = lifetimeSeconds also with an idle timeout`, async (t) => {
    const { app } = await buildApp(t, { driver, plugin: { idleTimeoutSeconds: 20, lifetimeSeconds: 30 }, routes: sessionRoute, users: ['a@example.com'] })
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: 'correct horse battery staple' } })
    t.equal(response.json().expires_in, 30)
  })
}
