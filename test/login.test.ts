// POST /auth/login: validation, the credentials / active / verified order,
// the answer for each transport, and the token row it writes.
import t from 'tap'
import { eq } from 'drizzle-orm'
import { hashToken } from '../index.js'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'

const TOKEN = /^[A-Za-z0-9_-]{43}$/

for (const driver of drivers) {
  t.test(`${driver}: login`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver, plugin: { lifetimeSeconds: 900 } })
    const activeId = await addUser({ email: 'ann@example.com' })
    await addUser({ email: 'ivan@example.com', isActive: false, isVerified: true })
    const login = (payload?: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/auth/login', payload: payload as string, headers })

    t.test('a body without both fields is refused by validation', async (t) => {
      const cases: Array<[string, unknown]> = [
        ['no body', undefined],
        ['empty body', {}],
        ['missing username', { password: PASSWORD }],
        ['missing password', { username: 'ann@example.com' }],
        ['empty username', { username: '', password: PASSWORD }],
        ['empty password', { username: 'ann@example.com', password: '' }],
        ['username of the wrong type', { username: ['ann@example.com', 'ivan@example.com'], password: PASSWORD }],
        ['password of the wrong type', { username: 'ann@example.com', password: { $ne: '' } }]
      ]
      for (const [name, payload] of cases) {
        const response = await login(payload)
        t.equal(response.statusCode, 400, name)
        t.equal(response.json().code, 'FST_ERR_VALIDATION', name)
      }
    })

    t.test('unknown user, wrong password and inactive user get one and the same answer', async (t) => {
      const rowsBefore = (await tdb.query('select token from access_token')).length
      const answers = []
      for (const [username, password] of [
        ['nobody@example.com', PASSWORD],
        ['ann@example.com', 'not the password'],
        ['ivan@example.com', PASSWORD]
      ]) {
        const response = await login({ username, password })
        t.equal(response.statusCode, 400, username)
        t.equal(response.json().code, 'LOGIN_BAD_CREDENTIALS', username)
        t.equal(response.headers['set-cookie'], undefined, 'no cookie')
        answers.push(response.body)
      }
      t.equal(new Set(answers).size, 1, 'nothing tells the three apart')
      t.equal((await tdb.query('select token from access_token')).length, rowsBefore, 'no token was written')
    })

    t.test('an unverified user logs in when requireVerified is off', async (t) => {
      const response = await login({ username: 'ann@example.com', password: PASSWORD })
      t.equal(response.statusCode, 200)
    })

    t.test('the email is looked up case-insensitively', async (t) => {
      const response = await login({ username: 'ANN@Example.COM', password: PASSWORD })
      t.equal(response.statusCode, 200)
      const me = await app.inject({ url: '/me', headers: bearer(response.json().access_token) })
      t.equal(me.json().id, activeId)
    })

    t.test('a form-urlencoded body works', async (t) => {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ username: 'ann@example.com', password: PASSWORD }).toString()
      })
      t.equal(response.statusCode, 200)
      const me = await app.inject({ url: '/me', headers: bearer(response.json().access_token) })
      t.equal(me.statusCode, 200)
      const missing = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=ann%40example.com'
      })
      t.equal(missing.statusCode, 400, 'a form without the password is refused too')
    })

    t.test('the bearer answer: token, type and lifetime, not to be cached', async (t) => {
      const response = await login({ username: 'ann@example.com', password: PASSWORD })
      t.equal(response.statusCode, 200)
      t.match(response.headers['content-type'], /^application\/json/)
      t.equal(response.headers['cache-control'], 'no-store')
      t.equal(response.headers['set-cookie'], undefined, 'no cookie without the cookie transport')
      const body = response.json()
      t.same(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type'])
      t.ok(TOKEN.test(body.access_token), 'access_token is 43 base64url characters')
      t.equal(body.token_type, 'bearer')
      t.equal(body.expires_in, 900)
    })

    t.test('failed logins are not to be cached either', async (t) => {
      const bad = await login({ username: 'ann@example.com', password: 'not the password' })
      t.equal(bad.headers['cache-control'], 'no-store')
    })

    t.test('every login gets a fresh token, and each works', async (t) => {
      const first = (await login({ username: 'ann@example.com', password: PASSWORD })).json().access_token
      const second = (await login({ username: 'ann@example.com', password: PASSWORD })).json().access_token
      t.not(first, second)
      for (const token of [first, second]) {
        t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
      }
    })

    t.test('the token row holds the digest of the secret, its owner, time, user agent and ip', async (t) => {
      const before = Date.now()
      const response = await login({ username: 'ann@example.com', password: PASSWORD }, { 'user-agent': 'login-test/1.0' })
      const after = Date.now()
      const secret: string = response.json().access_token
      const rows = await tdb.query('select * from access_token')
      const mine = rows.filter((row) => row.token === hashToken(secret))
      t.equal(mine.length, 1, 'one row, keyed by the SHA-256 digest of the secret')
      const row = mine[0]
      t.equal(row.user_id, activeId)
      t.equal(row.user_agent, 'login-test/1.0')
      t.equal(row.ip, '127.0.0.1')
      t.equal(row.last_used_at, null)
      const everything = JSON.stringify(rows)
      t.notOk(everything.includes(secret), 'no column of any row holds the secret')
      // The stored instant itself, across time zones, is the expiry tests' concern.
      const verified = await app.accessTokens.verify(secret)
      const created = verified!.session.createdAt.getTime()
      t.ok(created >= before && created <= after, 'created_at is the login time')
    })

    t.test('an unverified user with requireVerified', async (t) => {
      const strict = await buildApp(t, { driver, plugin: { requireVerified: true } })
      await strict.addUser({ email: 'una@example.com' })
      await strict.addUser({ email: 'vera@example.com', isVerified: true })
      await strict.addUser({ email: 'iris@example.com', isActive: false })
      const strictLogin = (username: string, password = PASSWORD) =>
        strict.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })

      const unverified = await strictLogin('una@example.com')
      t.equal(unverified.statusCode, 400)
      t.equal(unverified.json().code, 'LOGIN_USER_NOT_VERIFIED')
      t.equal(unverified.headers['cache-control'], 'no-store')
      t.equal((await strictLogin('vera@example.com')).statusCode, 200, 'a verified user logs in')
      // Order: credentials, active, verified. Neither a wrong password nor an
      // inactive account reveals that the user is unverified.
      t.equal((await strictLogin('una@example.com', 'not the password')).json().code, 'LOGIN_BAD_CREDENTIALS')
      t.equal((await strictLogin('iris@example.com')).json().code, 'LOGIN_BAD_CREDENTIALS')
      const rows = await strict.tdb.query('select user_id from access_token')
      t.equal(rows.length, 1, 'only the verified user got a token')
    })

    t.test('no expires_in when tokens never expire', async (t) => {
      const forever = await buildApp(t, { driver, plugin: { lifetimeSeconds: null } })
      await forever.addUser({ email: 'ann@example.com' })
      const response = await forever.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD } })
      t.equal(response.statusCode, 200)
      const body = response.json()
      t.same(Object.keys(body).sort(), ['access_token', 'token_type'])
      t.ok(TOKEN.test(body.access_token))
    })

    t.test('the default lifetime is an hour', async (t) => {
      const plain = await buildApp(t, { driver })
      await plain.addUser({ email: 'ann@example.com' })
      const response = await plain.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD } })
      t.equal(response.json().expires_in, 3600)
    })

    t.test('cookie only: 204 with the token in Set-Cookie and no body', async (t) => {
      const cookieApp = await buildApp(t, { driver, plugin: { bearer: false, cookie: true } })
      await cookieApp.addUser({ email: 'ann@example.com' })
      const response = await cookieApp.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD } })
      t.equal(response.statusCode, 204)
      t.equal(response.body, '')
      t.equal(response.headers['cache-control'], 'no-store')
      const [cookie] = response.cookies as Array<{ name: string, value: string }>
      t.equal(cookie.name, 'access_token')
      t.ok(TOKEN.test(cookie.value), 'the cookie holds a token')
      const me = await cookieApp.app.inject({ url: '/me', cookies: { access_token: cookie.value } })
      t.equal(me.statusCode, 200)
      const rows = await cookieApp.tdb.query('select token from access_token')
      t.equal(rows.length, 1)
      t.ok(rows[0].token === hashToken(cookie.value), 'the row holds the digest of the cookie')
    })

    t.test('bearer and cookie: the body and the cookie carry the same token', async (t) => {
      const both = await buildApp(t, { driver, plugin: { cookie: true } })
      await both.addUser({ email: 'ann@example.com' })
      const response = await both.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD } })
      t.equal(response.statusCode, 200)
      const [cookie] = response.cookies as Array<{ name: string, value: string }>
      t.ok(cookie.value === response.json().access_token, 'one token, two ways to carry it')
      t.equal((await both.tdb.query('select token from access_token')).length, 1)
    })

    t.test('a deleted user cannot log in', async (t) => {
      const { users } = tdb.schema
      const id = await addUser({ email: 'gone@example.com' })
      await tdb.db.delete(users).where(eq(users.id, id))
      const response = await login({ username: 'gone@example.com', password: PASSWORD })
      t.equal(response.json().code, 'LOGIN_BAD_CREDENTIALS')
    })
  })
}
