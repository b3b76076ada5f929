// The cookie transport: the attributes of the cookie set at login and cleared
// at logout, both transports at once, and the @fastify/cookie registration.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import cookiePlugin from '@fastify/cookie'
import type { Response } from 'light-my-request'
import accessTokens, { type AccessTokensOptions } from '../index.js'
import { drivers, openDatabase, type TestDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import { failingDatabase } from './helpers/failing-database.js'

const HOST = 'app.example.com'
const SAME_ORIGIN = { host: HOST, origin: `http://${HOST}` }
const INVALID = 'Bearer error="invalid_token"'

interface SetCookie { name: string, value: string, attributes: Record<string, string | true> }

/** The Set-Cookie header of cookie `name`, its attributes keyed as sent. */
function setCookie (response: Response, name: string): SetCookie | undefined {
  const header = response.headers['set-cookie']
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [String(header)]
  for (const line of lines) {
    const [pair, ...rest] = line.split('; ')
    const equals = pair.indexOf('=')
    if (pair.slice(0, equals) !== name) continue
    const attributes: Record<string, string | true> = {}
    for (const part of rest) {
      const at = part.indexOf('=')
      if (at === -1) attributes[part] = true
      else attributes[part.slice(0, at)] = part.slice(at + 1)
    }
    return { name, value: pair.slice(equals + 1), attributes }
  }
  return undefined
}

for (const driver of drivers) {
  t.test(`${driver}: the cookie transport`, async (t) => {
    // One database for the apps of this test; each app is another configuration.
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const first = await buildApp(t, { driver, tdb })
    const annId = await first.addUser({ email: 'ann@example.com' })
    const bobId = await first.addUser({ email: 'bob@example.com' })

    const appWith = async (t: Test, plugin: Partial<AccessTokensOptions>, fastify = {}) =>
      (await buildApp(t, { driver, tdb, plugin, fastify })).app
    const login = (app: Awaited<ReturnType<typeof appWith>>, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD }, headers })

    t.test('default attributes at login: HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age = lifetime', async (t) => {
      const app = await appWith(t, { cookie: true })
      const response = await login(app)
      t.equal(response.statusCode, 200)
      const cookie = setCookie(response, 'access_token')
      t.ok(cookie !== undefined && cookie.value === response.json().access_token, 'the cookie holds the token')
      t.same(cookie?.attributes, { 'Max-Age': '3600', Path: '/', HttpOnly: true, Secure: true, SameSite: 'Lax' })

      const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { ...SAME_ORIGIN, cookie: `access_token=${cookie!.value}` } })
      t.equal(logout.statusCode, 204)
      const cleared = setCookie(logout, 'access_token')
      t.equal(cleared?.value, '', 'logout empties the cookie')
      t.match(cleared?.attributes, { 'Max-Age': '0', Path: '/', HttpOnly: true, Secure: true, SameSite: 'Lax' }, 'with the attributes it was set with')
      t.notOk(cleared?.attributes.Domain, 'and no Domain, as at login')
    })

    t.test('Max-Age follows lifetimeSeconds', async (t) => {
      const app = await appWith(t, { cookie: true, lifetimeSeconds: 900 })
      t.equal(setCookie(await login(app), 'access_token')?.attributes['Max-Age'], '900')
    })

    t.test('a session cookie when tokens never expire', async (t) => {
      const app = await appWith(t, { cookie: true, lifetimeSeconds: null })
      const cookie = setCookie(await login(app), 'access_token')
      t.ok(cookie?.value, 'the cookie is set')
      t.notOk('Max-Age' in cookie!.attributes, 'without Max-Age')
      t.notOk('Expires' in cookie!.attributes, 'nor Expires')
    })

    t.test('custom name, path, domain, sameSite, secure and httpOnly', async (t) => {
      const app = await appWith(t, { cookie: { name: 'sid', path: '/app', domain: 'example.com', sameSite: 'strict', secure: false, httpOnly: false } })
      const response = await login(app)
      t.equal(setCookie(response, 'access_token'), undefined, 'not under the default name')
      const cookie = setCookie(response, 'sid')!
      t.same(cookie.attributes, { 'Max-Age': '3600', Domain: 'example.com', Path: '/app', SameSite: 'Strict' })

      t.equal((await app.inject({ url: '/me', cookies: { sid: cookie.value } })).statusCode, 200, 'the named cookie authenticates')
      t.equal((await app.inject({ url: '/me', cookies: { access_token: cookie.value } })).statusCode, 401, 'the default name does not')

      const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { ...SAME_ORIGIN, cookie: `sid=${cookie.value}` } })
      t.equal(logout.statusCode, 204)
      const cleared = setCookie(logout, 'sid')
      t.equal(cleared?.value, '')
      t.match(cleared?.attributes, { 'Max-Age': '0', Domain: 'example.com', Path: '/app', SameSite: 'Strict' }, 'cleared on the same domain and path')
      t.notOk(cleared?.attributes.Secure)
      t.notOk(cleared?.attributes.HttpOnly)
    })

    t.test('SameSite=None', async (t) => {
      const app = await appWith(t, { cookie: { sameSite: 'none' } })
      t.match(setCookie(await login(app), 'access_token')?.attributes, { SameSite: 'None', Secure: true })
    })

    t.test('secure: \'auto\' follows the protocol', async (t) => {
      const app = await appWith(t, { cookie: { secure: 'auto' } }, { trustProxy: true })
      t.notOk(setCookie(await login(app), 'access_token')?.attributes.Secure, 'not over http')
      const overTls = await login(app, { 'x-forwarded-proto': 'https' })
      t.equal(setCookie(overTls, 'access_token')?.attributes.Secure, true, 'Secure over https')
    })

    t.test('both transports at once', async (t) => {
      const app = await appWith(t, { cookie: true })
      const { token: ann } = await app.accessTokens.issue(annId)
      const { token: bob } = await app.accessTokens.issue(bobId)
      const me = (headers: Record<string, string>) => app.inject({ url: '/me', headers })

      t.equal((await me({ cookie: `access_token=${bob}` })).json().id, bobId, 'the cookie alone')
      t.equal((await me(bearer(ann))).json().id, annId, 'the header alone')
      t.equal((await me({ ...bearer(ann), cookie: `access_token=${bob}` })).json().id, annId, 'the Bearer header wins over the cookie')

      const badHeader = await me({ authorization: 'Bearer not-a-token', cookie: `access_token=${bob}` })
      t.equal(badHeader.statusCode, 401, 'even a bad Bearer header wins: no silent fallback')
      t.equal(badHeader.headers['www-authenticate'], INVALID)

      const basic = await me({ authorization: 'Basic YW5uOnNlY3JldA==', cookie: `access_token=${bob}` })
      t.equal(basic.json().id, bobId, 'another scheme is ignored and the cookie is used')
    })

    t.test('cookie only: the Bearer header is not read', async (t) => {
      const app = await appWith(t, { bearer: false, cookie: true })
      const { token } = await app.accessTokens.issue(annId)
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
      t.equal((await app.inject({ url: '/me', cookies: { access_token: token } })).statusCode, 200)
    })

    t.test('a bad cookie: 401 with invalid_token; an empty one counts as none', async (t) => {
      const app = await appWith(t, { cookie: true })
      for (const value of ['short', 'W'.repeat(44), `${'W'.repeat(42)}=`, '%E9'.repeat(43), 'W'.repeat(43)]) {
        const response = await app.inject({ url: '/me', headers: { cookie: `access_token=${value}` } })
        t.equal(response.statusCode, 401, value.slice(0, 12))
        t.equal(response.headers['www-authenticate'], INVALID)
      }
      const empty = await app.inject({ url: '/me', headers: { cookie: 'access_token=' } })
      t.equal(empty.statusCode, 401)
      t.equal(empty.headers['www-authenticate'], 'Bearer')
    })
  })

  t.test(`${driver}: a malformed cookie is refused without a query`, async (t) => {
    const tdb = await failingDatabase(driver)
    t.teardown(() => tdb.close())
    const { app } = await buildApp(t, { driver, tdb, plugin: { cookie: true } })
    tdb.fail()
    const me = (value: string) => app.inject({ url: '/me', headers: { cookie: `access_token=${value}` } })
    t.equal((await me('W'.repeat(43))).statusCode, 503, 'the control: a well-formed cookie is looked up, and this database fails')
    for (const value of ['short', 'W'.repeat(44), `${'W'.repeat(42)}=`, 'A'.repeat(64 * 1024)]) {
      t.equal((await me(value)).statusCode, 401, value.slice(0, 12))
    }
  })

  t.test(`${driver}: registering @fastify/cookie`, async (t) => {
    const tdb: TestDatabase = await openDatabase(driver)
    t.teardown(() => tdb.close())

    t.test('the plugin registers it when cookies are on', async (t) => {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(accessTokens, { database: tdb.db, cookie: true })
      await app.ready()
      t.ok(app.hasPlugin('@fastify/cookie'))
    })

    t.test('not when cookies are off', async (t) => {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(accessTokens, { database: tdb.db })
      await app.ready()
      t.notOk(app.hasPlugin('@fastify/cookie'))
    })

    t.test('an app that registered it first keeps its own, with its options', async (t) => {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(cookiePlugin, { secret: 'a secret of the application' })
      await app.register(accessTokens, { database: tdb.db, cookie: true })
      app.get('/me', { onRequest: app.authenticate }, async (request) => ({ id: request.user!.id }))
      app.get('/sign', async (_request, reply) => reply.setCookie('pref', 'dark', { signed: true }).send('ok'))
      app.get('/unsign', async (request) => request.unsignCookie(request.cookies.pref ?? ''))
      await app.ready()

      const { users } = tdb.schema
      const id = crypto.randomUUID()
      await tdb.db.insert(users).values({ id, email: `first-${id}@example.com`, hashedPassword: 'not a usable hash' })
      const { token } = await app.accessTokens.issue(id)
      t.equal((await app.inject({ url: '/me', cookies: { access_token: token } })).statusCode, 200, 'the token cookie works')
      const signed = setCookie(await app.inject({ url: '/sign' }), 'pref')
      const unsigned = await app.inject({ url: '/unsign', cookies: { pref: signed!.value } })
      t.match(unsigned.json(), { valid: true, value: 'dark' }, 'the application\'s signed cookies still work')
    })
  })
}
