// Regression: with two cookies of the plugin's name (access_token=A;
// access_token=V) the first one won, so a sibling subdomain could plant a
// cookie of its own choosing ahead of the real one (cookie tossing). Such a
// request now carries a bad token. Cookie options that browsers refuse or
// ignore fail registration.
import t from 'tap'
import Fastify from 'fastify'
import accessTokens, { type AccessTokensOptions } from '../index.js'
import { buildApp, bearer } from './helpers/app.js'
import { openDatabase } from './helpers/databases.js'

const INVALID = 'Bearer error="invalid_token"'

t.test('a request carrying the token cookie twice is a bad token', async (t) => {
  const built = await buildApp(t, {
    plugin: { cookie: { name: '__Host-access_token', secure: true } },
    routes (app) {
      app.get('/maybe', { onRequest: app.requireUser({ optional: true }) }, async (request) => ({ user: request.user }))
    }
  })
  const { app } = built
  await built.addUser({ email: 'ann@example.com', quickHash: true })
  const valid = await built.login('ann@example.com')
  const planted = await built.login('ann@example.com')
  const me = (cookie: string, headers = {}) => app.inject({ url: '/me', headers: { cookie, ...headers } })

  t.equal((await me(`__Host-access_token=${valid}`)).statusCode, 200, 'one cookie works')
  t.equal((await me(`other=1; __Host-access_token=${valid}; x__Host-access_token=2`)).statusCode, 200, 'other names, even containing it, do not count')
  for (const cookie of [
    `__Host-access_token=${planted}; __Host-access_token=${valid}`,
    `__Host-access_token=${valid}; __Host-access_token=${planted}`,
    `__Host-access_token=${valid};__Host-access_token=${valid}`,
    `__Host-access_token=; __Host-access_token=${valid}`,
    `__Host-access_token=${valid}; a=1; __Host-access_token`
  ]) {
    const response = await me(cookie)
    t.equal(response.statusCode, 401, cookie.replaceAll(valid, 'V').replaceAll(planted, 'P'))
    t.equal(response.headers['www-authenticate'], INVALID)
    const maybe = await app.inject({ url: '/maybe', headers: { cookie } })
    t.same([maybe.statusCode, maybe.json()], [200, { user: null }], 'anonymous on an optional route')
  }
  const withBearer = await me(`__Host-access_token=${planted}; __Host-access_token=${valid}`, bearer(valid))
  t.equal(withBearer.statusCode, 200, 'a Bearer header still wins over the cookies')
})

t.test('cookie options that browsers refuse or ignore are INVALID_OPTION for cookie', async (t) => {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const register = async (cookie: AccessTokensOptions['cookie']): Promise<void> => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(accessTokens, { database: tdb.db, cookie })
    await app.ready()
  }
  const refused: Array<[AccessTokensOptions['cookie'], RegExp]> = [
    [{ sameSite: 'none', secure: false }, /sameSite 'none' needs secure/],
    [{ name: '__Host-token', secure: false }, /__Host- cookie needs secure/],
    [{ name: '__host-token', domain: 'example.com' }, /__Host- cookie cannot have a domain/],
    [{ name: '__HOST-token', path: '/app' }, /__Host- cookie needs path '\/'/],
    [{ name: '__Secure-token', secure: false }, /__Secure- cookie needs secure/],
    [{ name: '__SECURE-token', secure: false, domain: 'example.com' }, /__Secure- cookie needs secure/]
  ]
  for (const [cookie, message] of refused) {
    await t.rejects(register(cookie), { code: 'INVALID_OPTION', message: /^Invalid option cookie: / }, JSON.stringify(cookie))
    await t.rejects(register(cookie), { message })
  }
  const accepted: Array<AccessTokensOptions['cookie']> = [
    { sameSite: 'none' },
    { sameSite: 'none', secure: 'auto' },
    { name: '__Host-token' },
    { name: '__Host-token', secure: 'auto', path: '/' },
    { name: '__Secure-token', secure: 'auto', domain: 'example.com', path: '/app' },
    { name: 'plain', secure: false, sameSite: 'lax' }
  ]
  for (const cookie of accepted) await t.resolves(register(cookie), JSON.stringify(cookie))
})
