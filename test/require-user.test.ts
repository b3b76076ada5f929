// app.requireUser and app.authenticate: the 401 / 403 matrix, and what
// request.user and request.accessToken hold.
import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { hashToken } from '../index.js'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, cachedHash, PASSWORD } from './helpers/app.js'

const UNKNOWN = 'U'.repeat(43)
const CHALLENGE = 'Bearer'
const INVALID = 'Bearer error="invalid_token"'

type Caller = 'anonymous' | 'unknown' | 'malformed' | 'plain' | 'verified' | 'superuser' | 'verifiedSuperuser' | 'inactive' | 'inactiveUnverified'

// Expected answer per route and caller: a status, or 'user' / 'null' for a
// 200 whose request.user is the caller or null.
type Expected = 401 | 403 | 'user' | 'null'
const MATRIX: Record<string, Record<Caller, Expected>> = {
  // route          anonymous unknown malformed plain verified superuser verifiedSuperuser inactive inactiveUnverified
  '/default': { anonymous: 401, unknown: 401, malformed: 401, plain: 'user', verified: 'user', superuser: 'user', verifiedSuperuser: 'user', inactive: 401, inactiveUnverified: 401 },
  '/authenticate': { anonymous: 401, unknown: 401, malformed: 401, plain: 'user', verified: 'user', superuser: 'user', verifiedSuperuser: 'user', inactive: 401, inactiveUnverified: 401 },
  '/any': { anonymous: 401, unknown: 401, malformed: 401, plain: 'user', verified: 'user', superuser: 'user', verifiedSuperuser: 'user', inactive: 'user', inactiveUnverified: 'user' },
  '/optional': { anonymous: 'null', unknown: 'null', malformed: 'null', plain: 'user', verified: 'user', superuser: 'user', verifiedSuperuser: 'user', inactive: 'null', inactiveUnverified: 'null' },
  '/optional-any': { anonymous: 'null', unknown: 'null', malformed: 'null', plain: 'user', verified: 'user', superuser: 'user', verifiedSuperuser: 'user', inactive: 'user', inactiveUnverified: 'user' },
  '/verified': { anonymous: 401, unknown: 401, malformed: 401, plain: 403, verified: 'user', superuser: 403, verifiedSuperuser: 'user', inactive: 401, inactiveUnverified: 401 },
  '/superuser': { anonymous: 401, unknown: 401, malformed: 401, plain: 403, verified: 403, superuser: 'user', verifiedSuperuser: 'user', inactive: 401, inactiveUnverified: 401 },
  '/verified-superuser': { anonymous: 401, unknown: 401, malformed: 401, plain: 403, verified: 403, superuser: 403, verifiedSuperuser: 'user', inactive: 401, inactiveUnverified: 401 },
  '/optional-verified': { anonymous: 'null', unknown: 'null', malformed: 'null', plain: 403, verified: 'user', superuser: 403, verifiedSuperuser: 'user', inactive: 'null', inactiveUnverified: 'null' },
  '/any-verified': { anonymous: 401, unknown: 401, malformed: 401, plain: 403, verified: 'user', superuser: 403, verifiedSuperuser: 'user', inactive: 'user', inactiveUnverified: 403 }
}

const GUARDS = {
  '/default': {},
  '/any': { active: false },
  '/optional': { optional: true },
  '/optional-any': { optional: true, active: false },
  '/verified': { verified: true },
  '/superuser': { superuser: true },
  '/verified-superuser': { verified: true, superuser: true },
  '/optional-verified': { optional: true, verified: true },
  '/any-verified': { active: false, verified: true }
}

const whoIs = (request: FastifyRequest) => ({ user: request.user, session: request.accessToken })

for (const driver of drivers) {
  t.test(`${driver}: the requireUser matrix`, async (t) => {
    const { app, addUser } = await buildApp(t, {
      driver,
      routes: (app) => {
        for (const [url, options] of Object.entries(GUARDS)) app.get(url, { onRequest: app.requireUser(options) }, async (request) => whoIs(request))
        app.get('/authenticate', { onRequest: app.authenticate }, async (request) => whoIs(request))
      }
    })
    const people: Record<Caller, { id: string | null, headers: Record<string, string> }> = {
      anonymous: { id: null, headers: {} },
      unknown: { id: null, headers: bearer(UNKNOWN) },
      malformed: { id: null, headers: bearer('not a token') }
    } as never
    const flags: Record<string, { isActive?: boolean, isVerified?: boolean, isSuperuser?: boolean }> = {
      plain: {},
      verified: { isVerified: true },
      superuser: { isSuperuser: true },
      verifiedSuperuser: { isVerified: true, isSuperuser: true },
      inactive: { isActive: false, isVerified: true, isSuperuser: true },
      inactiveUnverified: { isActive: false }
    }
    for (const [name, flag] of Object.entries(flags)) {
      const id = await addUser({ email: `${name}@example.com`, ...flag })
      const { token } = await app.accessTokens.issue(id)
      people[name as Caller] = { id, headers: bearer(token) }
    }

    for (const [url, row] of Object.entries(MATRIX)) {
      t.test(url, async (t) => {
        for (const [caller, expected] of Object.entries(row) as Array<[Caller, Expected]>) {
          const { id, headers } = people[caller]
          const response = await app.inject({ url, headers })
          const label = `${caller} on ${url}`
          if (expected === 401) {
            t.equal(response.statusCode, 401, label)
            t.equal(response.json().code, 'UNAUTHORIZED', label)
            t.equal(response.headers['www-authenticate'], caller === 'anonymous' ? CHALLENGE : INVALID, `${label}: challenge`)
          } else if (expected === 403) {
            t.equal(response.statusCode, 403, label)
            t.equal(response.json().code, 'FORBIDDEN', label)
          } else {
            t.equal(response.statusCode, 200, label)
            const body = response.json()
            if (expected === 'user') {
              t.equal(body.user?.id, id, `${label}: request.user`)
              t.equal(body.session?.userId, id, `${label}: request.accessToken`)
            } else {
              t.same(body, { user: null, session: null }, `${label}: anonymous`)
            }
          }
        }
      })
    }
  })

  t.test(`${driver}: request.user and request.accessToken`, async (t) => {
    const seen: Array<{ user: unknown, session: unknown }> = []
    const { app, addUser } = await buildApp(t, {
      driver,
      routes: (app) => {
        app.get('/inside', { onRequest: app.authenticate }, async (request) => {
          seen.push({ user: request.user, session: request.accessToken })
          return whoIs(request)
        })
      }
    })
    const id = await addUser({ email: 'ann@example.com', isVerified: true })
    const before = Date.now()
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ann@example.com', password: PASSWORD }, headers: { 'user-agent': 'shape-test/2' } })
    const token: string = response.json().access_token

    const answer = await app.inject({ url: '/inside', headers: bearer(token) })
    t.equal(answer.statusCode, 200)
    const { user, session } = seen[0] as { user: Record<string, unknown>, session: Record<string, unknown> }

    t.same(user, { id, email: 'ann@example.com', isActive: true, isSuperuser: false, isVerified: true }, 'the user of the default table')
    t.same(Object.keys(user).sort(), ['email', 'id', 'isActive', 'isSuperuser', 'isVerified'], 'and nothing else')
    const hash = await cachedHash(PASSWORD)
    t.notOk(Object.values(user).includes(hash), 'no password hash')

    t.same(Object.keys(session).sort(), ['createdAt', 'expiresAt', 'id', 'ip', 'kind', 'lastUsedAt', 'name', 'scopes', 'userAgent', 'userId'])
    t.ok(session.id === hashToken(token), 'id is the digest of the token, not the token')
    t.equal(session.userId, id)
    t.type(session.createdAt, Date)
    t.type(session.expiresAt, Date)
    const createdAt = (session.createdAt as Date).getTime()
    t.ok(createdAt >= before && createdAt <= Date.now(), 'createdAt is the login time')
    t.equal((session.expiresAt as Date).getTime(), createdAt + 3600_000, 'expiresAt = createdAt + lifetime')
    t.type(session.lastUsedAt, Date, 'this use is recorded')
    t.equal(session.userAgent, 'shape-test/2')
    t.equal(session.ip, '127.0.0.1')

    const json = answer.json()
    t.same(json.user, user, 'JSON: the same user')
    t.equal(json.session.createdAt, (session.createdAt as Date).toISOString(), 'JSON: dates as ISO 8601')
    t.equal(json.session.expiresAt, (session.expiresAt as Date).toISOString())
    t.notOk(answer.body.includes(token), 'the secret appears nowhere in it')
  })

  t.test(`${driver}: app.authenticate as onRequest and as preHandler`, async (t) => {
    const phases: Record<string, unknown> = {}
    const { app, addUser } = await buildApp(t, {
      driver,
      routes: (app) => {
        app.get('/on-request', {
          onRequest: [app.authenticate, async (request) => { phases.onRequest = request.user }]
        }, async (request) => ({ id: request.user!.id }))
        app.get('/pre-handler', {
          onRequest: async (request) => { phases.beforePreHandler = request.user },
          preHandler: app.authenticate
        }, async (request) => ({ id: request.user!.id }))
        app.post('/pre-handler', { preHandler: app.authenticate }, async (request) => ({ id: request.user!.id }))
        app.get('/two-guards', {
          onRequest: app.authenticate,
          preHandler: app.requireUser({ superuser: true })
        }, async (request) => ({ id: request.user!.id }))
      }
    })
    const id = await addUser({ email: 'ann@example.com' })
    const superId = await addUser({ email: 'root@example.com', isSuperuser: true })
    const { token } = await app.accessTokens.issue(id)
    const { token: superToken } = await app.accessTokens.issue(superId)

    const onRequest = await app.inject({ url: '/on-request', headers: bearer(token) })
    t.same(onRequest.json(), { id })
    t.equal((phases.onRequest as { id: string }).id, id, 'the user is known in onRequest already')

    const preHandler = await app.inject({ url: '/pre-handler', headers: bearer(token) })
    t.same(preHandler.json(), { id })
    t.equal(phases.beforePreHandler, null, 'as a preHandler, onRequest runs before the user is known')
    const refused = await app.inject({ url: '/pre-handler' })
    t.equal(refused.statusCode, 401)
    t.equal(refused.headers['www-authenticate'], CHALLENGE)

    // In preHandler the body has been parsed: a broken one is refused before
    // the token is looked at.
    const broken = await app.inject({ method: 'POST', url: '/pre-handler', headers: { 'content-type': 'application/json' }, payload: '{' })
    t.equal(broken.statusCode, 400)
    const posted = await app.inject({ method: 'POST', url: '/pre-handler', headers: bearer(token), payload: { a: 1 } })
    t.same(posted.json(), { id })

    t.equal((await app.inject({ url: '/two-guards', headers: bearer(token) })).statusCode, 403, 'a second guard of a request still judges')
    t.same((await app.inject({ url: '/two-guards', headers: bearer(superToken) })).json(), { id: superId })
    t.equal((await app.inject({ url: '/two-guards' })).statusCode, 401)
  })

  t.test(`${driver}: app.authenticate and requireUser awaited in a hook of the application's own`, async (t) => {
    const { app, addUser } = await buildApp(t, {
      driver,
      routes: (app) => {
        app.get('/own-hook', {
          onRequest: async (request, reply) => {
            // A hook that asks for a token only when it wants one.
            if (request.headers['x-public'] === undefined) await app.authenticate(request, reply)
          }
        }, async (request) => ({ id: request.user?.id ?? null }))
        app.get('/own-hook-superuser', {
          preHandler: async (request, reply) => { await app.requireUser({ superuser: true })(request, reply) }
        }, async (request) => ({ id: request.user!.id }))
      }
    })
    const id = await addUser({ email: 'ann@example.com' })
    const { token } = await app.accessTokens.issue(id)

    t.same((await app.inject({ url: '/own-hook', headers: bearer(token) })).json(), { id }, 'a good token: request.user set')
    t.same((await app.inject({ url: '/own-hook', headers: { 'x-public': '1' } })).json(), { id: null }, 'not asked: anonymous')
    const anonymous = await app.inject({ url: '/own-hook' })
    t.equal(anonymous.statusCode, 401, 'no token: the awaited hook rejects with the 401')
    t.equal(anonymous.headers['www-authenticate'], CHALLENGE)
    t.equal(anonymous.json().code, 'UNAUTHORIZED')
    const unknown = await app.inject({ url: '/own-hook', headers: bearer(UNKNOWN) })
    t.equal(unknown.statusCode, 401)
    t.equal(unknown.headers['www-authenticate'], INVALID)
    const notSuper = await app.inject({ url: '/own-hook-superuser', headers: bearer(token) })
    t.equal(notSuper.statusCode, 403)
    t.equal(notSuper.json().code, 'FORBIDDEN')
  })

  t.test(`${driver}: the decorator option renames request.user`, async (t) => {
    const { app, addUser } = await buildApp(t, {
      driver,
      // TypeScript asks for the declared name (test/types/decorator.test-d.ts).
      plugin: { decorator: 'account' as 'user' },
      routes: (app) => {
        const read = (request: FastifyRequest) => {
          const decorated = request as unknown as Record<string, { id: string } | null | undefined>
          return { account: 'account' in request ? decorated.account : 'absent', hasUser: 'user' in request, session: request.accessToken !== null }
        }
        app.get('/whoami', { onRequest: app.authenticate }, async (request) => read(request))
        app.get('/maybe', { onRequest: app.requireUser({ optional: true }) }, async (request) => read(request))
        app.get('/verified', { onRequest: app.requireUser({ verified: true }) }, async (request) => read(request))
      }
    })
    const id = await addUser({ email: 'ann@example.com' })
    const { token } = await app.accessTokens.issue(id)

    const response = await app.inject({ url: '/whoami', headers: bearer(token) })
    t.equal(response.statusCode, 200)
    t.match(response.json(), { account: { id, email: 'ann@example.com' }, hasUser: false, session: true })
    const anonymous = await app.inject({ url: '/maybe' })
    t.same(anonymous.json(), { account: null, hasUser: false, session: false }, 'null when anonymous')
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal((await app.inject({ url: '/verified', headers: bearer(token) })).statusCode, 403, 'the flags are read from the renamed decorator')
    const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    t.equal(logout.statusCode, 204, 'the routes find the user under the new name')
  })

  t.test(`${driver}: requireUser refuses options it does not know`, async (t) => {
    const { app } = await buildApp(t, { driver })
    const bad: unknown[] = [{ superusr: true }, { verified: 'yes' }, { optional: 1 }, 'verified', ['verified'], null]
    for (const options of bad) {
      t.throws(() => app.requireUser(options as never), TypeError, `${JSON.stringify(options)}: a typo must not weaken a guard`)
    }
    t.type(app.requireUser({ optional: false, active: true, verified: false, superuser: false }), 'function', 'every known option')
    t.type(app.requireUser({ verified: undefined }), 'function', 'undefined means the default')
  })
}
