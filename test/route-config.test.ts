// Routes protected by `config: { auth }` alone, in the phase the `hook`
// option names.
import t from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import accessTokens from '../index.js'
import { drivers, openDatabase } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

type Seen = Record<string, unknown>

/** Routes that record, in every phase up to the handler, whether request.user is known. */
function routes (seen: Seen) {
  const record = (phase: string) => async (request: FastifyRequest) => { seen[phase] = request.user?.id ?? null }
  const phases = {
    onRequest: record('onRequest'),
    preValidation: record('preValidation'),
    preHandler: record('preHandler')
  }
  const answer = async (request: FastifyRequest) => ({ user: request.user?.id ?? null })
  return (app: FastifyInstance): void => {
    app.get('/auth-true', { config: { auth: true }, ...phases }, answer)
    app.post('/auth-true', { config: { auth: true } }, answer)
    app.get('/verified', { config: { auth: { verified: true } } }, answer)
    app.get('/superuser', { config: { auth: { superuser: true } } }, answer)
    app.get('/optional', { config: { auth: { optional: true } } }, answer)
    app.get('/any', { config: { auth: { active: false } } }, answer)
    app.get('/auth-false', { config: { auth: false } }, answer)
    app.get('/open', answer)
    app.route({
      method: 'GET',
      url: '/with-hooks',
      config: { auth: true },
      // The route's own hooks, as an array, keep running after the guard.
      onRequest: [record('first'), record('second')],
      preHandler: [record('third')],
      handler: answer
    })
    app.register(async function child (child) {
      child.addHook('onRequest', record('childPlugin'))
      child.get('/child', { config: { auth: true } }, answer)
      child.get('/child-open', answer)
    }, { prefix: '/api' })
  }
}

for (const driver of drivers) {
  for (const hook of ['onRequest', 'preHandler'] as const) {
    t.test(`${driver}: config.auth with hook '${hook}'`, async (t) => {
      const seen: Seen = {}
      const { app, addUser } = await buildApp(t, { driver, plugin: hook === 'onRequest' ? {} : { hook }, routes: routes(seen) })
      const tokens: Record<string, string> = {}
      const ids: Record<string, string> = {}
      for (const [name, flags] of Object.entries({ plain: {}, verified: { isVerified: true }, superuser: { isSuperuser: true }, inactive: { isActive: false } })) {
        ids[name] = await addUser({ email: `${name}@example.com`, ...flags })
        tokens[name] = (await app.accessTokens.issue(ids[name])).token
      }
      const get = (url: string, who?: string) => app.inject({ url, headers: who === undefined ? {} : bearer(tokens[who]) })

      t.test('the routes answer as their config asks', async (t) => {
        const expected: Array<[string, string | undefined, number | null]> = [
          ['/auth-true', undefined, 401],
          ['/auth-true', 'plain', null],
          ['/auth-true', 'inactive', 401],
          ['/verified', undefined, 401],
          ['/verified', 'plain', 403],
          ['/verified', 'verified', null],
          ['/superuser', 'verified', 403],
          ['/superuser', 'superuser', null],
          ['/optional', undefined, null],
          ['/optional', 'plain', null],
          ['/optional', 'inactive', null],
          ['/any', undefined, 401],
          ['/any', 'inactive', null],
          ['/auth-false', undefined, null],
          ['/auth-false', 'plain', null],
          ['/open', 'plain', null],
          ['/api/child', undefined, 401],
          ['/api/child', 'plain', null],
          ['/api/child-open', undefined, null]
        ]
        for (const [url, who, status] of expected) {
          const response = await get(url, who)
          const label = `${who ?? 'anonymous'} on ${url}`
          if (status !== null) {
            t.equal(response.statusCode, status, label)
            continue
          }
          t.equal(response.statusCode, 200, label)
          // Unprotected routes run no guard, so request.user stays null.
          const guarded = !['/auth-false', '/open', '/api/child-open'].includes(url) && who !== undefined &&
            !(url === '/optional' && who === 'inactive')
          t.same(response.json(), { user: guarded ? ids[who!] : null }, `${label}: request.user`)
        }
      })

      t.test(`the guard runs in ${hook}`, async (t) => {
        for (const key of Object.keys(seen)) delete seen[key]
        const response = await get('/auth-true', 'plain')
        t.same(response.json(), { user: ids.plain })
        const id = ids.plain
        t.same(seen, hook === 'onRequest'
          ? { onRequest: id, preValidation: id, preHandler: id }
          : { onRequest: null, preValidation: null, preHandler: id },
        'the route\'s own hooks see the user only after the guard')

        // A body is parsed between onRequest and preHandler: a broken one
        // without a token is refused by the guard in onRequest, by the
        // parser in preHandler.
        const broken = await app.inject({ method: 'POST', url: '/auth-true', headers: { 'content-type': 'application/json' }, payload: '{' })
        t.equal(broken.statusCode, hook === 'onRequest' ? 401 : 400)
      })

      t.test('the route\'s own hooks still run, after the guard', async (t) => {
        for (const key of Object.keys(seen)) delete seen[key]
        const response = await get('/with-hooks', 'plain')
        t.equal(response.statusCode, 200)
        const id = ids.plain
        t.same(seen, { first: hook === 'onRequest' ? id : null, second: hook === 'onRequest' ? id : null, third: id })
        for (const key of Object.keys(seen)) delete seen[key]
        t.equal((await get('/with-hooks')).statusCode, 401)
        t.same(seen, hook === 'onRequest' ? {} : { first: null, second: null }, 'a refused request stops at the guard')
      })

      t.test('a route in a child plugin is protected too, and its plugin\'s hooks run first', async (t) => {
        for (const key of Object.keys(seen)) delete seen[key]
        t.equal((await get('/api/child', 'plain')).statusCode, 200)
        t.same(seen, { childPlugin: null })
      })
    })
  }

  t.test(`${driver}: a bad config.auth fails when the route is added`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const bad: unknown[] = ['yes', 1, null, ['verified'], { superusr: true }, { verified: 'yes' }, { optional: 1 }]
    for (const auth of bad) {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(accessTokens, { database: tdb.db, routes: false })
      let error: unknown
      try {
        app.get('/x', { config: { auth } as never }, async () => 'open')
        await app.ready()
      } catch (caught) {
        error = caught
      }
      t.match(error, { message: /config\.auth/ }, `${JSON.stringify(auth)} is refused, naming config.auth`)
    }
  })
}
