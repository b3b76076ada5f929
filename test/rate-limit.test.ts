// Brute force: the login route takes route-level config through the plugin
// option `routes.login.config`, so @fastify/rate-limit (registered first,
// with `global: false`) limits logins and nothing else.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import accessTokens, { type AccessTokensOptions } from '../index.js'
import { drivers, openDatabase, type TestDriver } from './helpers/databases.js'
import { bearer, insertUser, PASSWORD } from './helpers/app.js'

async function build (t: Test, driver: TestDriver, loginConfig: Record<string, unknown>): Promise<FastifyInstance> {
  const tdb = await openDatabase(driver)
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    await tdb.close()
  })
  // Before the plugin: rate-limit sees routes through its onRoute hook.
  await app.register(rateLimit, { global: false })
  const options: AccessTokensOptions = { database: tdb.db, routes: { login: { config: loginConfig } } }
  await app.register(accessTokens, options)
  app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
  await app.ready()
  for (const email of ['a@example.com', 'b@example.com']) {
    await insertUser(tdb, { email })
  }
  return app
}

const login = (app: FastifyInstance, username: string, password: string, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { username, password } })

for (const driver of drivers) {
  t.test(`${driver}: per client address, the login after the limit gets 429 until the window passes`, async (t) => {
    const app = await build(t, driver, { rateLimit: { max: 3, timeWindow: '1 minute' } })
    t.equal((await login(app, 'a@example.com', 'wrong password')).statusCode, 400)
    const first = await login(app, 'a@example.com', PASSWORD)
    t.equal(first.statusCode, 200)
    t.equal((await login(app, 'b@example.com', PASSWORD)).statusCode, 200)

    // Right credentials or wrong, the fourth attempt is refused unread.
    const limited = await login(app, 'a@example.com', PASSWORD)
    t.equal(limited.statusCode, 429)
    t.equal(limited.json().statusCode, 429)
    t.ok(Number(limited.headers['retry-after']) > 0, 'says when to come back')
    t.notOk('access_token' in limited.json())
    t.equal((await login(app, 'a@example.com', PASSWORD, '192.0.2.7')).statusCode, 200, 'another address has its own count')

    // Only the login route is limited.
    const token = first.json().access_token
    for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)

    const realNow = Date.now
    const later = realNow() + 61_000
    Date.now = () => later
    try {
      t.equal((await login(app, 'a@example.com', PASSWORD)).statusCode, 200, 'a new window')
    } finally {
      Date.now = realNow
    }
  })

  t.test(`${driver}: per account, keyed on the username after the body is parsed`, async (t) => {
    const app = await build(t, driver, {
      rateLimit: {
        max: 3,
        timeWindow: '15 minutes',
        // preHandler: the body has been parsed and validated by then.
        hook: 'preHandler',
        keyGenerator: (request: FastifyRequest) => `login:${String((request.body as { username: string }).username).trim().toLowerCase()}`
      }
    })
    // Guesses at one account from many addresses (credential stuffing).
    for (let i = 1; i <= 3; i++) {
      t.equal((await login(app, i === 2 ? 'A@Example.com' : 'a@example.com', `guess ${i}`, `198.51.100.${i}`)).statusCode, 400)
    }
    t.equal((await login(app, 'a@example.com', PASSWORD, '198.51.100.4')).statusCode, 429)
    t.equal((await login(app, 'b@example.com', PASSWORD, '198.51.100.4')).statusCode, 200, 'other accounts are not affected')
    // A body that fails validation never reaches the limiter's key.
    const invalid = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com' } })
    t.equal(invalid.statusCode, 400)
  })
}
