// @fastify/swagger, registered first, documents the plugin's routes and
// declares its security schemes without any configuration of its own; routes
// protected through `config.auth` carry the requirement; @fastify/swagger-ui
// serves the result.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import swagger, { type SwaggerOptions } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import accessTokens, { createUser, type AccessTokensOptions } from '../index.js'
import { drivers, openDatabase, type TestDriver, type TestDatabase } from './helpers/databases.js'
import { bearer, PASSWORD } from './helpers/app.js'

type Document = any

const OPENAPI: SwaggerOptions = { openapi: { openapi: '3.0.3', info: { title: 'test', version: '1.0.0' } } }

async function build (t: Test, options: {
  driver?: TestDriver
  swagger?: SwaggerOptions | false
  plugin?: Partial<AccessTokensOptions>
  before?: (app: FastifyInstance) => void
  routes?: (app: FastifyInstance) => void
} = {}): Promise<{ app: FastifyInstance, tdb: TestDatabase }> {
  const tdb = await openDatabase(options.driver ?? 'better-sqlite3')
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  if (options.swagger !== false) await app.register(swagger, options.swagger ?? OPENAPI)
  options.before?.(app)
  await app.register(accessTokens, { database: tdb.db, ...options.plugin })
  options.routes?.(app)
  await app.ready()
  return { app, tdb }
}

function appRoutes (app: FastifyInstance): void {
  app.get('/private', { config: { auth: true } }, async (request) => ({ email: request.user!.email }))
  app.get('/admin', { config: { auth: { superuser: true } } }, async () => ({ ok: true }))
  app.get('/public', async () => ({ ok: true }))
}

function appRoutesWithOwnRequirement (app: FastifyInstance): void {
  appRoutes(app)
  // A requirement the application wrote itself is kept as written.
  app.get('/own', { config: { auth: true }, schema: { security: [{ bearerAuth: ['read'] }] } as never }, async () => ({ ok: true }))
}

const errorShape = (response: Document): Document => response.content['application/json'].schema

for (const driver of drivers) {
  t.test(`${driver}: the document describes the routes, and they behave as described`, async (t) => {
    const { app, tdb } = await build(t, { driver, routes: appRoutesWithOwnRequirement })
    await createUser(tdb.db, { email: 'ann@example.com', password: PASSWORD })
    const doc: Document = app.swagger()

    t.same(doc.components.securitySchemes, {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'An access token from the login route' }
    }, 'bearerAuth is declared, and no cookie scheme while cookies are off')
    t.same(Object.keys(doc.paths).sort(), [
      '/admin', '/auth/login', '/auth/logout', '/auth/logout-all', '/auth/sessions', '/auth/sessions/{id}', '/own', '/private', '/public'
    ])

    const login = doc.paths['/auth/login'].post
    t.equal(login.security, undefined, 'login needs no token')
    t.same(Object.keys(login.requestBody.content).sort(), ['application/json', 'application/x-www-form-urlencoded'])
    const body = login.requestBody.content['application/json'].schema
    t.same(body.required, ['username', 'password'])
    t.same(Object.keys(body.properties), ['username', 'password'])
    const token = login.responses['200'].content['application/json'].schema
    t.same(token.required, ['access_token', 'token_type'])
    t.same(token.properties.token_type.enum, ['bearer'])
    t.equal(token.properties.expires_in.type, 'integer')
    for (const status of ['400', '403', '503']) {
      t.same(Object.keys(errorShape(login.responses[status]).properties), ['statusCode', 'code', 'error', 'message'], `login ${status}`)
    }
    t.match(login.responses['400'].description, /LOGIN_BAD_CREDENTIALS/)

    const protectedOperations: Array<[string, string, string[]]> = [
      ['/auth/logout', 'post', ['204', '401', '403', '503']],
      ['/auth/sessions', 'get', ['200', '401', '403', '503']],
      ['/auth/sessions/{id}', 'delete', ['204', '401', '403', '404', '503']],
      ['/auth/logout-all', 'post', ['204', '401', '403', '503']]
    ]
    for (const [path, method, statuses] of protectedOperations) {
      const operation = doc.paths[path][method]
      t.same(operation.security, [{ bearerAuth: [] }], `${method} ${path} security`)
      t.same(Object.keys(operation.responses).sort(), statuses, `${method} ${path} responses`)
      t.same(operation.tags, ['auth'])
    }
    t.match(doc.paths['/auth/logout'].post.responses['401'].description, /UNAUTHORIZED/)
    t.match(doc.paths['/auth/sessions/{id}'].delete.responses['404'].description, /SESSION_NOT_FOUND/)
    t.same(doc.paths['/auth/sessions/{id}'].delete.parameters.map((p: Document) => [p.in, p.name, p.required]), [['path', 'id', true]])
    const session = doc.paths['/auth/sessions'].get.responses['200'].content['application/json'].schema.items
    t.same(Object.keys(session.properties).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'])
    t.equal(session.properties.expiresAt.nullable, true)

    t.same(doc.paths['/private'].get.security, [{ bearerAuth: [] }], 'config.auth: true marks the route')
    t.same(doc.paths['/admin'].get.security, [{ bearerAuth: [] }], 'config.auth with requirements marks the route')
    t.same(doc.paths['/own'].get.security, [{ bearerAuth: ['read'] }], 'a requirement of the application is kept')
    t.equal(doc.paths['/public'].get.security, undefined, 'an open route has no requirement')
    t.notMatch(JSON.stringify(doc), /hashed_password|hashedPassword/, 'the document shows no password hash')

    // The operations work as documented: a form-encoded login, then the scheme.
    const form = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: 'ann@example.com', password: PASSWORD }).toString()
    })
    t.equal(form.statusCode, 200)
    t.same(Object.keys(form.json()).sort(), Object.keys(token.properties).sort())
    const accessToken = form.json().access_token
    t.equal((await app.inject({ url: '/private' })).statusCode, 401)
    t.same((await app.inject({ url: '/private', headers: bearer(accessToken) })).json(), { email: 'ann@example.com' })
    t.equal((await app.inject({ url: '/admin', headers: bearer(accessToken) })).statusCode, 403)
    const sessions = await app.inject({ url: '/auth/sessions', headers: bearer(accessToken) })
    t.same(Object.keys(sessions.json()[0]).sort(), Object.keys(session.properties).sort())
  })
}

t.test('with cookies on, cookieAuth names the configured cookie', async (t) => {
  const { app } = await build(t, { plugin: { cookie: { name: 'sid' } }, routes: appRoutes })
  const doc: Document = app.swagger()
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'An access token from the login route' })
  t.same(doc.components.securitySchemes.cookieAuth, { type: 'apiKey', in: 'cookie', name: 'sid', description: 'The access-token cookie set by the login route' })
  t.same(doc.paths['/auth/logout'].post.security, [{ bearerAuth: [] }, { cookieAuth: [] }], 'either scheme will do')
  t.same(doc.paths['/private'].get.security, [{ bearerAuth: [] }, { cookieAuth: [] }])
})

t.test('cookie only: only cookieAuth, with the default cookie name', async (t) => {
  const { app } = await build(t, { plugin: { bearer: false, cookie: true }, routes: appRoutes })
  const doc: Document = app.swagger()
  t.same(Object.keys(doc.components.securitySchemes), ['cookieAuth'])
  t.equal(doc.components.securitySchemes.cookieAuth.name, 'access_token')
  t.same(doc.paths['/auth/sessions'].get.security, [{ cookieAuth: [] }])
  t.same(doc.paths['/private'].get.security, [{ cookieAuth: [] }])
})

t.test('the schemes of the application win, and its options are not changed', async (t) => {
  const securitySchemes = {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'opaque' },
    apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' }
  } as const
  const before = JSON.stringify(securitySchemes)
  const { app } = await build(t, {
    swagger: { openapi: { openapi: '3.0.3', info: { title: 'test', version: '1.0.0' }, components: { securitySchemes } } },
    plugin: { cookie: true }
  })
  const doc: Document = app.swagger()
  t.same(doc.components.securitySchemes.bearerAuth, securitySchemes.bearerAuth)
  t.same(doc.components.securitySchemes.apiKey, securitySchemes.apiKey)
  t.equal(doc.components.securitySchemes.cookieAuth.in, 'cookie')
  t.equal(JSON.stringify(securitySchemes), before, 'the options object is untouched')
})

t.test('the YAML document declares the schemes too', async (t) => {
  const { app } = await build(t, { plugin: { cookie: true } })
  const yaml = app.swagger({ yaml: true })
  t.match(yaml, /securitySchemes:\n {4}bearerAuth:\n {6}type: http\n {6}scheme: bearer\n/)
  t.match(yaml, /cookieAuth:\n {6}type: apiKey\n {6}in: cookie\n {6}name: access_token\n/)
  t.match(yaml, /\/auth\/login:/)
})

t.test('a route prefix and sessions: false show in the paths', async (t) => {
  const { app } = await build(t, { plugin: { routes: { prefix: '/api/auth', sessions: false } } })
  const doc: Document = app.swagger()
  t.same(Object.keys(doc.paths).sort(), ['/api/auth/login', '/api/auth/logout'])
  t.ok(doc.components.securitySchemes.bearerAuth)
})

t.test('routes: false: nothing declares the schemes, so config.auth routes carry no requirement and the document builds', async (t) => {
  const { app } = await build(t, { plugin: { routes: false }, routes: appRoutes })
  const doc: Document = app.swagger()
  t.equal(doc.components.securitySchemes, undefined)
  t.equal(doc.paths['/private'].get.security, undefined)
  t.equal(doc.paths['/admin'].get.security, undefined)
  t.equal((await app.inject({ url: '/private' })).statusCode, 401, 'the route is protected all the same')
})

t.test('routes: false with the schemes in the swagger options: requirements written in route schemas resolve', async (t) => {
  const { app } = await build(t, {
    swagger: { openapi: { openapi: '3.0.3', info: { title: 'test', version: '1.0.0' }, components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } } },
    plugin: { routes: false },
    routes: (app) => {
      app.get('/private', { onRequest: app.authenticate, schema: { security: [{ bearerAuth: [] }] } as never }, async () => ({ ok: true }))
    }
  })
  const doc: Document = app.swagger()
  t.same(doc.paths['/private'].get.security, [{ bearerAuth: [] }])
})

t.test('Swagger 2 mode: both schemes described as API keys in headers', async (t) => {
  const { app } = await build(t, { swagger: { swagger: { info: { title: 'test', version: '1.0.0' } } }, plugin: { cookie: true }, routes: appRoutes })
  const doc: Document = app.swagger()
  t.equal(doc.swagger, '2.0')
  t.same(doc.securityDefinitions.bearerAuth, { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Bearer <access token>' })
  t.same(doc.securityDefinitions.cookieAuth, { type: 'apiKey', in: 'header', name: 'Cookie', description: 'The access_token cookie set by the login route' })
  t.same(doc.paths['/private'].get.security, [{ bearerAuth: [] }, { cookieAuth: [] }])
  t.ok(doc.paths['/auth/login'].post)
})

t.test('without @fastify/swagger, nothing is added to any route', async (t) => {
  const seen: RouteOptions[] = []
  const { app } = await build(t, {
    swagger: false,
    before: (app) => { app.addHook('onRoute', (route) => { seen.push(route) }) },
    routes: appRoutes
  })
  t.equal(app.hasDecorator('swagger'), false)
  const urls = seen.map((route) => `${route.method} ${route.url}`)
  t.ok(urls.includes('POST /auth/login') && urls.includes('GET /private'), 'the hook saw both kinds of route')
  for (const route of seen) {
    t.equal((route.config as Record<string, unknown> | undefined)?.swaggerTransform, undefined, `${route.url}: no swaggerTransform`)
    if (route.url === '/private' || route.url === '/admin') t.equal(route.schema?.security, undefined, `${route.url}: no requirement added`)
  }
  t.equal((await app.inject({ url: '/private' })).statusCode, 401, 'config.auth still protects the route')
})

t.test('@fastify/swagger-ui serves the document with the schemes at /docs', async (t) => {
  const { app } = await build(t, {
    plugin: { cookie: true },
    routes: (app) => { app.register(swaggerUi, { routePrefix: '/docs' }) }
  })
  const page = await app.inject({ url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  const json = await app.inject({ url: '/docs/json' })
  t.equal(json.statusCode, 200)
  t.same(Object.keys(json.json().components.securitySchemes), ['bearerAuth', 'cookieAuth'])
  t.ok(json.json().paths['/auth/login'])
})
