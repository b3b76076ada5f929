// Regression: a route declared with config: { auth: true } before the plugin
// was registered never got its guard, and anonymous requests reached the
// handler. Such routes are now guarded all the same; one whose config.auth
// is invalid is refused with a 500 and a log line that says why.
import t from 'tap'
import Fastify from 'fastify'
import accessTokens from '../index.js'
import { drivers, openDatabase } from './helpers/databases.js'
import { bearer, insertUser } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'

for (const driver of drivers) {
  for (const hook of ['onRequest', 'preHandler'] as const) {
    t.test(`${driver}, hook ${hook}: routes declared before the plugin are protected as their config asks`, async (t) => {
      const tdb = await openDatabase(driver)
      t.teardown(() => tdb.close())
      const { lines, logger } = capturedLog('error')
      const app = Fastify({ logger })
      t.teardown(() => app.close())
      let reached = 0
      const answer = async (request: { user: unknown }) => { reached++; return { user: request.user } }
      app.get('/early', { config: { auth: true } }, answer)
      app.get('/early-superuser', { config: { auth: { superuser: true } } }, answer)
      app.get('/early-optional', { config: { auth: { optional: true } } }, answer)
      app.get('/early-invalid', { config: { auth: 'yes' } }, answer)
      app.get('/early-open', { config: { auth: false } }, answer)
      await app.register(accessTokens, { database: tdb.db, hook })
      app.get('/late', { config: { auth: true } }, answer)
      await app.ready()

      const userId = await insertUser(tdb, { email: 'ann@example.com', quickHash: true })
      const { token } = await app.accessTokens.issue(userId)
      const get = (url: string, withToken = false) => app.inject({ url, headers: withToken ? bearer(token) : {} })

      for (const url of ['/early', '/late']) {
        t.equal((await get(url)).statusCode, 401, `${url}: anonymous is refused`)
        const signedIn = await get(url, true)
        t.equal(signedIn.statusCode, 200, `${url}: a token is accepted`)
        t.equal(signedIn.json().user.id, userId, 'and request.user is set')
      }
      t.equal((await get('/early-superuser', true)).statusCode, 403, 'the requirements of config.auth apply')
      t.same((await get('/early-optional')).json(), { user: null }, 'optional stays optional')
      t.equal((await get('/early-open')).statusCode, 200, 'auth: false stays open')

      reached = 0
      lines.length = 0
      const invalid = await get('/early-invalid', true)
      t.equal(invalid.statusCode, 500, 'an invalid config.auth fails closed')
      t.equal(reached, 0, 'the handler was not reached')
      t.match(lines.join(''), /config\.auth of GET \/early-invalid must be true, false or requireUser options/, 'the log says what to fix')
      t.notOk(lines.join('').includes(token), 'and holds no token')
    })
  }
}

// config.auth set by an onRoute hook the application adds after the plugin:
// the plugin's own onRoute hook ran first and saw none, so the route is
// guarded at request time, by the hook that guards routes declared before
// the plugin (which must be there even when none was).
t.test('config.auth set by a later onRoute hook is guarded all the same, and an invalid one fails closed', async (t) => {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(accessTokens, { database: tdb.db })
  app.addHook('onRoute', (route) => {
    // The types allow no invalid value; a JavaScript application may set one.
    if (route.url.startsWith('/admin')) route.config = { ...route.config, auth: (route.url === '/admin/bad' ? 'yes' : true) as never }
  })
  let reached = 0
  app.get('/admin/notes', async () => { reached++; return 'notes' })
  app.get('/admin/bad', async () => { reached++; return 'bad' })
  await app.ready()
  t.equal((await app.inject({ url: '/admin/notes' })).statusCode, 401, 'anonymous is refused')
  t.equal((await app.inject({ url: '/admin/bad' })).statusCode, 500, 'an invalid config.auth fails closed')
  t.equal(reached, 0, 'no handler was reached')
  const userId = await insertUser(tdb, { email: 'ann@example.com', quickHash: true })
  const { token } = await app.accessTokens.issue(userId)
  t.equal((await app.inject({ url: '/admin/notes', headers: bearer(token) })).statusCode, 200, 'a token is accepted')
})

// Scopes registered before the plugin, beside it: their routes take the
// hooks of their scope at startup, and those include the plugin's, which it
// added to the scope it was registered in (the root here). So they are
// guarded as their config asks, whether their scope was loaded before the
// plugin or only queued. Inside a scope of its own, the plugin guards that
// scope's routes, declared before it or after.
t.test('routes of scopes registered before the plugin are guarded as their config asks', async (t) => {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  let reached = 0
  const answer = async (request: { user: unknown }) => { reached++; return { user: request.user } }
  await app.register(async function loadedBefore (scope) {
    scope.get('/loaded', { config: { auth: true } }, answer)
    scope.get('/loaded-invalid', { config: { auth: 'yes' as never } }, answer)
    scope.get('/loaded-optional', { config: { auth: { optional: true } } }, async (request) => ({ user: request.user, accessToken: request.accessToken }))
  })
  app.register(async function queuedBefore (scope) {
    scope.get('/queued', { config: { auth: { superuser: true } } }, answer)
  })
  await app.register(async function api (scope) {
    scope.get('/api/before', { config: { auth: true } }, answer)
    await scope.register(accessTokens, { database: tdb.db, routes: false })
    scope.get('/api/after', { config: { auth: true } }, answer)
  })
  await app.register(accessTokens, { database: tdb.db, routes: false })
  await app.ready()

  for (const url of ['/loaded', '/queued', '/api/before', '/api/after']) {
    t.equal((await app.inject({ url })).statusCode, 401, `${url}: anonymous is refused`)
  }
  t.equal((await app.inject({ url: '/loaded-invalid' })).statusCode, 500, 'an invalid config.auth fails closed')
  t.same((await app.inject({ url: '/loaded-optional' })).json(), { user: null, accessToken: null }, 'anonymous reads null there too, not undefined')
  t.equal(reached, 0, 'no handler was reached')
  const userId = await insertUser(tdb, { email: 'ann@example.com', quickHash: true })
  const { token } = await app.accessTokens.issue(userId)
  const loaded = await app.inject({ url: '/loaded', headers: bearer(token) })
  t.equal(loaded.statusCode, 200, 'a token is accepted')
  t.equal(loaded.json().user.id, userId, 'and request.user is set, though the scope was created before the plugin decorated requests')
  t.equal((await app.inject({ url: '/queued', headers: bearer(token) })).statusCode, 403, 'the requirements of config.auth apply')
  for (const url of ['/api/before', '/api/after']) {
    t.equal((await app.inject({ url, headers: bearer(token) })).json().user.id, userId, `${url}: the scope's own registration, on the same table, accepts it`)
  }
})
