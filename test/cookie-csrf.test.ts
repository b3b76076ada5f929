// Cross-site request forgery: a cookie rides along on requests from any
// site, so cookie-authenticated unsafe requests, and logins that set the
// cookie, must prove they come from the server's own origin.
import t from 'tap'
import { drivers, openDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import { failingDatabase } from './helpers/failing-database.js'
import type { FastifyInstance } from 'fastify'

const HOST = 'app.example.com'
const OWN = `http://${HOST}`
const TRUSTED = 'https://admin.example.com'
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const

// Origin / Sec-Fetch-Site combinations and whether a cookie may act on them.
const REFUSED: Array<[string, Record<string, string>]> = [
  ['a foreign Origin', { origin: 'https://evil.example' }],
  ['neither Origin nor Sec-Fetch-Site', {}],
  ['Origin null', { origin: 'null' }],
  ['a look-alike host', { origin: `${OWN}.evil.example` }],
  ['another scheme', { origin: `https://${HOST}` }],
  ['another port', { origin: `${OWN}:8080` }],
  ['a trailing slash', { origin: `${OWN}/` }],
  ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
  ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
  ['a foreign Origin with Sec-Fetch-Site same-origin', { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }]
]
const ALLOWED: Array<[string, Record<string, string>]> = [
  ['the own Origin', { origin: OWN }],
  ['Sec-Fetch-Site same-origin without Origin', { 'sec-fetch-site': 'same-origin' }],
  ['a trusted Origin', { origin: TRUSTED }]
]

function routes (app: FastifyInstance): void {
  for (const method of UNSAFE) {
    app.route({ method, url: '/thing', onRequest: app.authenticate, handler: async (request) => ({ id: request.user!.id }) })
  }
  app.post('/configured', { config: { auth: true } }, async (request) => ({ id: request.user!.id }))
  app.post('/optional', { config: { auth: { optional: true } } }, async (request) => ({ id: request.user?.id ?? null }))
}

for (const driver of drivers) {
  t.test(`${driver}: cookie-authenticated requests`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver, plugin: { cookie: true, trustedOrigins: [TRUSTED] }, routes })
    const id = await addUser({ email: 'ann@example.com' })
    const { token } = await app.accessTokens.issue(id)
    const cookie = `access_token=${token}`
    const send = (method: string, url: string, headers: Record<string, string>) =>
      app.inject({ method: method as 'POST', url, headers: { host: HOST, ...headers } })

    t.test('unsafe methods from elsewhere: 403 CSRF_FAILED', async (t) => {
      for (const method of UNSAFE) {
        for (const [name, headers] of REFUSED) {
          const response = await send(method, '/thing', { cookie, ...headers })
          t.equal(response.statusCode, 403, `${method}, ${name}`)
          t.equal(response.json().code, 'CSRF_FAILED', `${method}, ${name}`)
        }
      }
      for (const url of ['/configured', '/optional']) {
        const response = await send('POST', url, { cookie, origin: 'https://evil.example' })
        t.equal(response.json().code, 'CSRF_FAILED', `${url}: routes protected by config.auth too`)
      }
    })

    t.test('unsafe methods from the own or a trusted origin: accepted', async (t) => {
      for (const method of UNSAFE) {
        for (const [name, headers] of ALLOWED) {
          const response = await send(method, '/thing', { cookie, ...headers })
          t.equal(response.statusCode, 200, `${method}, ${name}`)
          t.same(response.json(), { id }, `${method}, ${name}`)
        }
      }
    })

    t.test('the own origin is the request\'s protocol and host, port included', async (t) => {
      const response = await app.inject({ method: 'POST', url: '/thing', headers: { host: 'localhost:3000', origin: 'http://localhost:3000', cookie } })
      t.equal(response.statusCode, 200)
      const portless = await app.inject({ method: 'POST', url: '/thing', headers: { host: 'localhost:3000', origin: 'http://localhost', cookie } })
      t.equal(portless.statusCode, 403)
    })

    t.test('safe methods need no origin', async (t) => {
      for (const [name, headers] of REFUSED) {
        const response = await send('GET', '/me', { cookie, ...headers })
        t.equal(response.statusCode, 200, `GET, ${name}`)
      }
    })

    t.test('Bearer requests need no origin', async (t) => {
      for (const method of UNSAFE) {
        for (const [name, headers] of REFUSED) {
          const response = await send(method, '/thing', { ...bearer(token), ...headers })
          t.equal(response.statusCode, 200, `${method}, ${name}`)
        }
      }
      const both = await send('POST', '/thing', { ...bearer(token), cookie, origin: 'https://evil.example' })
      t.equal(both.statusCode, 200, 'with a cookie too, the Bearer header is what authenticates')
    })

    t.test('a forged logout leaves the session alone', async (t) => {
      const forged = await send('POST', '/auth/logout', { cookie, origin: 'https://evil.example' })
      t.equal(forged.statusCode, 403)
      t.equal(forged.json().code, 'CSRF_FAILED')
      t.equal(forged.headers['set-cookie'], undefined, 'the cookie is not cleared')
      const rows = await tdb.query('select token from access_token')
      t.equal(rows.length, 1, 'the row is still there')
      t.equal((await send('GET', '/me', { cookie })).statusCode, 200, 'and the cookie still works')
    })

    t.test('login from a foreign origin is refused', async (t) => {
      const login = (headers: Record<string, string>) => app.inject({
        method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD }, headers: { host: HOST, ...headers }
      })
      const before = (await tdb.query('select token from access_token')).length
      for (const [name, headers] of [
        ['a foreign Origin', { origin: 'https://evil.example' }],
        ['Origin null', { origin: 'null' }],
        ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
        ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }]
      ] as Array<[string, Record<string, string>]>) {
        const response = await login(headers)
        t.equal(response.statusCode, 403, name)
        t.equal(response.json().code, 'CSRF_FAILED', name)
        t.equal(response.headers['set-cookie'], undefined, `${name}: no cookie`)
      }
      t.equal((await tdb.query('select token from access_token')).length, before, 'no token was issued')

      for (const [name, headers] of [
        ...ALLOWED,
        ['a client that is no browser (neither header)', {}],
        ['Sec-Fetch-Site none (typed by the user)', { 'sec-fetch-site': 'none' }]
      ] as Array<[string, Record<string, string>]>) {
        const response = await login(headers)
        t.equal(response.statusCode, 200, name)
        t.ok(response.headers['set-cookie'], `${name}: the cookie is set`)
      }
    })
  })

  t.test(`${driver}: behind a TLS proxy, with trustProxy`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const proxied = await buildApp(t, { driver, tdb, plugin: { cookie: true }, fastify: { trustProxy: true }, routes })
    const direct = await buildApp(t, { driver, tdb, plugin: { cookie: true }, routes })
    const id = await proxied.addUser({ email: 'ann@example.com' })
    const { token } = await proxied.app.accessTokens.issue(id)
    const headers = { host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': HOST, origin: `https://${HOST}`, cookie: `access_token=${token}` }
    t.equal((await proxied.app.inject({ method: 'POST', url: '/thing', headers })).statusCode, 200, 'the forwarded protocol and host make the own origin')
    t.equal((await direct.app.inject({ method: 'POST', url: '/thing', headers })).statusCode, 403, 'forwarded headers are not believed without trustProxy')
  })

  t.test(`${driver}: without cookies, login has no origin check`, async (t) => {
    const { app, addUser } = await buildApp(t, { driver })
    await addUser({ email: 'ann@example.com' })
    const response = await app.inject({
      method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD }, headers: { origin: 'https://evil.example' }
    })
    t.equal(response.statusCode, 200, 'the token is in the body, which a foreign page cannot read')
  })

  t.test(`${driver}: the CSRF decision is made before any query`, async (t) => {
    const tdb = await failingDatabase(driver)
    t.teardown(() => tdb.close())
    const { app } = await buildApp(t, { driver, tdb, plugin: { cookie: true }, routes })
    tdb.fail()
    const send = (url: string, headers: Record<string, string>, payload?: object) =>
      app.inject({ method: 'POST', url, headers: { host: HOST, ...headers }, payload })
    const cookie = `access_token=${'W'.repeat(43)}`

    t.equal((await send('/thing', { cookie, origin: OWN })).statusCode, 503, 'the control: a same-origin request reaches the failing database')
    for (const [name, headers] of REFUSED) {
      t.equal((await send('/thing', { cookie, ...headers })).statusCode, 403, name)
    }
    t.equal((await send('/thing', { cookie: 'access_token=malformed', origin: 'https://evil.example' })).statusCode, 403, 'a malformed cookie too')

    const credentials = { username: 'ann@example.com', password: PASSWORD }
    t.equal((await send('/auth/login', { origin: OWN }, credentials)).statusCode, 503, 'the control: a same-origin login reaches the failing database')
    const forged = await send('/auth/login', { origin: 'https://evil.example' }, credentials)
    t.equal(forged.statusCode, 403, 'a foreign login is refused before the user is looked up')
    t.equal(forged.json().code, 'CSRF_FAILED')
  })
}
