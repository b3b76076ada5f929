import t from 'tap'
import { eq } from 'drizzle-orm'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, status, type TestApp } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { hashToken } from '../index.js'

interface Listed {
  id: string
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  userAgent: string | null
  ip: string | null
  current: boolean
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
// What app.inject's requests look like to the server: http://localhost:80.
const SAME_ORIGIN = 'http://localhost:80'

// alice and bob, whose ids are userIds[0] and userIds[1].
const USERS = ['alice@example.com', 'bob@example.com']

/** Whether a reply clears the access_token cookie. */
function clearsCookie (setCookie: string | string[] | undefined): boolean {
  const cookies = setCookie === undefined ? [] : ([] as string[]).concat(setCookie)
  return cookies.some((cookie) => cookie.startsWith('access_token=;') && /Max-Age=0/i.test(cookie))
}

function cookieOf (setCookie: string | string[] | undefined): string {
  const cookie = ([] as string[]).concat(setCookie ?? []).find((one) => one.startsWith('access_token='))
  if (cookie === undefined) throw new Error('no access_token cookie')
  return cookie.slice('access_token='.length, cookie.indexOf(';'))
}

for (const driver of drivers) {
  t.test(`${driver}: GET /auth/sessions lists the caller's live sessions, newest first`, async (t) => {
    const clock = controlClock(t)
    const { app, login, userIds: [alice] } = await buildApp(t, { driver, users: USERS })
    const start = clock.now()
    const expired = await login('alice@example.com')
    clock.advance(1000)
    const older = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'user-agent': 'phone/2.0' },
      payload: { username: 'alice@example.com', password: 'correct horse battery staple' }
    })
    clock.advance(1000)
    const current = await login('alice@example.com')
    const bobs = await login('bob@example.com')
    // The first token's hour is over; the other two have a second or two left.
    const now = clock.set(start + 3_600_001)

    const response = await app.inject({ url: '/auth/sessions', headers: bearer(current) })
    t.equal(response.statusCode, 200)
    const listed: Listed[] = response.json()
    t.same(listed.map((session) => session.id), [hashToken(current), hashToken(older.json().access_token)],
      'ids are the stored digests, newest first, the expired one left out')
    t.same(listed.map((session) => session.current), [true, false])
    t.same(listed[0], {
      id: hashToken(current),
      createdAt: new Date(start + 2000).toISOString(),
      // This very request is a use of the current session.
      lastUsedAt: new Date(now).toISOString(),
      expiresAt: new Date(start + 2000 + 3_600_000).toISOString(),
      userAgent: 'lightMyRequest',
      ip: '127.0.0.1',
      current: true
    })
    t.match(listed[1], { createdAt: new Date(start + 1000).toISOString(), lastUsedAt: null, userAgent: 'phone/2.0' })
    for (const session of listed) {
      t.match(session.createdAt, ISO)
      t.match(session.expiresAt, ISO)
    }
    for (const secret of [expired, older.json().access_token, current, bobs]) {
      t.notOk(response.body.includes(secret), 'no secret in the answer')
    }
    t.notOk(response.body.includes(hashToken(bobs)), 'nothing of another user')
    t.same((await app.accessTokens.list(alice)).map((session) => session.id), listed.map((session) => session.id))
  })

  t.test(`${driver}: DELETE /auth/sessions/:id ends another session of the caller`, async (t) => {
    const { app, login } = await buildApp(t, { driver, plugin: { cookie: { secure: false } }, users: USERS })
    const laptop = await login('alice@example.com')
    const phone = await login('alice@example.com')
    const response = await app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken(phone)}`, headers: bearer(laptop) })
    t.equal(response.statusCode, 204)
    t.equal(response.body, '')
    t.notOk(clearsCookie(response.headers['set-cookie']), 'the caller keeps its cookie')
    t.equal(await status(app, phone), 401, 'the ended session is refused')
    t.equal(await status(app, laptop), 200, 'the calling session goes on')
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(laptop) })
    t.same(listed.json().map((session: Listed) => session.id), [hashToken(laptop)])
    const again = await app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken(phone)}`, headers: bearer(laptop) })
    t.equal(again.statusCode, 404, 'an ended session cannot be ended twice')
  })

  t.test(`${driver}: DELETE /auth/sessions/:id of the current session clears the cookie`, async (t) => {
    const { app } = await buildApp(t, { driver, plugin: { cookie: { secure: false } }, users: USERS })
    const loggedIn = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'alice@example.com', password: 'correct horse battery staple' }
    })
    const token = cookieOf(loggedIn.headers['set-cookie'])
    t.equal(token, loggedIn.json().access_token)
    // The cookie carries the session; the browser says where the request comes from.
    const response = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${hashToken(token)}`,
      headers: { origin: SAME_ORIGIN },
      cookies: { access_token: token }
    })
    t.equal(response.statusCode, 204)
    t.ok(clearsCookie(response.headers['set-cookie']), 'Set-Cookie clears the cookie')
    t.equal((await app.inject({ url: '/me', cookies: { access_token: token } })).statusCode, 401)
  })

  t.test(`${driver}: another user's session and a session that does not exist get the same 404`, async (t) => {
    const { app, login } = await buildApp(t, { driver, users: USERS })
    const mine = await login('alice@example.com')
    const theirs = await login('bob@example.com')
    const foreign = await app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken(theirs)}`, headers: bearer(mine) })
    const missing = await app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken('x'.repeat(43))}`, headers: bearer(mine) })
    const odd = await app.inject({ method: 'DELETE', url: '/auth/sessions/nothing-like-a-digest', headers: bearer(mine) })
    for (const response of [foreign, missing, odd]) {
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'SESSION_NOT_FOUND')
    }
    t.same(foreign.json(), missing.json(), 'the same answer whether or not the session exists')
    t.same(foreign.headers['content-length'], missing.headers['content-length'])
    t.equal(await status(app, theirs), 200, "the other user's session is untouched")
    // The secret is no session id either.
    const bySecret = await app.inject({ method: 'DELETE', url: `/auth/sessions/${mine}`, headers: bearer(mine) })
    t.equal(bySecret.statusCode, 404)
    t.equal(await status(app, mine), 200)
  })

  t.test(`${driver}: the sessions routes need a valid token`, async (t) => {
    const { app, login } = await buildApp(t, { driver, users: USERS })
    const token = await login('alice@example.com')
    await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    for (const [method, url] of [['GET', '/auth/sessions'], ['DELETE', `/auth/sessions/${hashToken(token)}`], ['POST', '/auth/logout-all']] as const) {
      const none = await app.inject({ method, url })
      t.equal(none.statusCode, 401, `${method} ${url} without a token`)
      const revoked = await app.inject({ method, url, headers: bearer(token) })
      t.equal(revoked.statusCode, 401, `${method} ${url} with a revoked token`)
      t.equal(revoked.json().code, 'UNAUTHORIZED')
    }
  })

  t.test(`${driver}: POST /auth/logout-all ends every session of the caller`, async (t) => {
    const loggedOut: unknown[] = []
    const { app, login } = await buildApp(t, {
      driver,
      plugin: {
        cookie: { secure: false },
        onLogout: async (user) => { loggedOut.push((user as { email: string }).email) }
      },
      users: USERS
    })
    const tokens = [await login('alice@example.com'), await login('alice@example.com'), await login('alice@example.com')]
    const bobs = await login('bob@example.com')
    const response = await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(tokens[1]) })
    t.equal(response.statusCode, 204)
    t.ok(clearsCookie(response.headers['set-cookie']))
    for (const token of tokens) t.equal(await status(app, token), 401)
    t.equal(await status(app, bobs), 200, "another user's sessions stay")
    t.same(loggedOut, ['alice@example.com'], 'onLogout is called for logout-all too')
  })

  t.test(`${driver}: routes: { sessions: false } leaves the three routes out`, async (t) => {
    const { app, login } = await buildApp(t, { driver, plugin: { routes: { sessions: false } }, users: USERS })
    const token = await login('alice@example.com')
    for (const [method, url] of [['GET', '/auth/sessions'], ['DELETE', `/auth/sessions/${hashToken(token)}`], ['POST', '/auth/logout-all']] as const) {
      const response = await app.inject({ method, url, headers: bearer(token) })
      t.equal(response.statusCode, 404, `${method} ${url}`)
      // The id path space answers its 404 with the id cut, as it logs it.
      t.equal(response.json().message, `Route ${method}:${url.replace(hashToken(token), '[id]')} not found`, 'a 404 as Fastify words it: no such route')
    }
    t.equal(await status(app, token), 200, 'the token still works')
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204, 'logout stays')
  })

  t.test(`${driver}: an inactive user may end sessions but not list them`, async (t) => {
    const { app, tdb, login, userIds: [alice] } = await buildApp(t, { driver, users: USERS })
    const [one, two, three] = [await login('alice@example.com'), await login('alice@example.com'), await login('alice@example.com')]
    const { users } = tdb.schema
    await tdb.db.update(users).set({ isActive: false }).where(eq(users.id, alice))

    t.equal(await status(app, one), 401, 'an inactive user is refused elsewhere')
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(one) })
    t.equal(listed.statusCode, 401)
    const ended = await app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken(two)}`, headers: bearer(one) })
    t.equal(ended.statusCode, 204)
    t.same((await app.accessTokens.list(alice)).map((session) => session.id).sort(), [hashToken(one), hashToken(three)].sort())
    const all = await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(three) })
    t.equal(all.statusCode, 204)
    t.same(await app.accessTokens.list(alice), [])
  })

  t.test(`${driver}: revokeAll(userId, { except }) logs out everywhere else (after a password change)`, async (t) => {
    const { app, login, userIds: [alice, bob] } = await buildApp(t, { driver, routes: passwordRoute, users: USERS })
    const [other, here, third] = [await login('alice@example.com'), await login('alice@example.com'), await login('alice@example.com')]
    const bobs = await login('bob@example.com')
    const response = await app.inject({ method: 'POST', url: '/password', headers: bearer(here) })
    t.equal(response.statusCode, 200)
    t.same(response.json(), { endedSessions: 2 })
    t.equal(await status(app, here), 200, 'the session that changed the password stays')
    t.equal(await status(app, other), 401)
    t.equal(await status(app, third), 401)
    t.equal(await status(app, bobs), 200)
    t.same((await app.accessTokens.list(alice)).map((session) => session.id), [hashToken(here)])
    // Without `except`, every session goes.
    t.equal(await app.accessTokens.revokeAll(alice), 1)
    t.equal(await status(app, here), 401)
    t.equal(await app.accessTokens.revokeAll(bob, { except: hashToken(bobs) }), 0)
    t.equal(await status(app, bobs), 200)
  })
}

// The README recipe: end every other session once the password has changed.
function passwordRoute (app: TestApp['app']): void {
  app.post('/password', { onRequest: app.authenticate }, async (request) => {
    // ...the new password is stored here...
    const endedSessions = await app.accessTokens.revokeAll(request.user!.id, { except: request.accessToken!.id })
    return { endedSessions }
  })
}
