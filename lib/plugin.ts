import fp from 'fastify-plugin'
import cookiePlugin from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import { resolveOptions, type AccessTokensOptions } from './options.js'
import { dialectOf, SUPPORTED, withStoreTimeout } from './dialects/index.js'
import { resolveTokenTable, resolveUserTable } from './tables.js'
import { TokenStore } from './store.js'
import { VerifiedCache } from './cache.js'
import { setUpRevocations } from './revocations/index.js'
import { createTransport } from './transport.js'
import { checkRequireUserOptions, createGuards, type AuthHook, type RequireUserOptions } from './hooks.js'
import { accessTokenRoutes } from './routes.js'
import { defaultAuthenticate } from './login.js'
import { timingDummyHash } from './password.js'
import { INVALID_OPTION } from './errors.js'
import { openApiSupport, requirementsOf } from './openapi.js'
import type { AccessTokensApi } from './types.js'

/** Numbers plugin instances, so their prepared statements get names of their own. */
let instances = 0

async function registerAccessTokens (app: FastifyInstance, opts: AccessTokensOptions): Promise<void> {
  const options = resolveOptions(opts)
  const given = dialectOf(opts.database)
  if (given === null) throw new INVALID_OPTION('database', `must be a Drizzle database on ${SUPPORTED}`)
  const tokenTable = options.tokens ?? given.defaults.tokenTable
  if (!given.ownsTable(tokenTable)) throw new INVALID_OPTION('tokens', `must be a ${given.name} table, as the database is`)
  const tokens = resolveTokenTable(tokenTable)
  const userTable = options.users === false ? null : options.users ?? given.defaults.userTable
  if (userTable !== null && !given.ownsTable(userTable)) throw new INVALID_OPTION('users', `must be a ${given.name} table, as the database is`)
  const users = userTable === null ? null : resolveUserTable(userTable)
  if (options.idleTimeoutSeconds !== null && tokens.lastUsedAt === null) {
    throw new INVALID_OPTION('idleTimeoutSeconds', 'needs a last_used_at column in the token table')
  }
  if (options.apiKeys !== null && tokens.missingApiKeyColumns.length > 0) {
    throw new INVALID_OPTION('apiKeys', `the token table lacks the columns ${tokens.missingApiKeyColumns.join(', ')}: run migrate(db), or add them (defineAccessTokenTable has them)`)
  }

  // Everything below is done once: statements prepared, transports chosen.
  const dialect = await withStoreTimeout(given, options.storeTimeoutMs)
  // Hooks of one instance close in reverse order: this one runs after the
  // receiver and the pruning below have stopped.
  app.addHook('onClose', async function closeStoreClient () {
    await dialect.close()
  })
  // Revocations reach every instance's cache (lib/revocations): every
  // instance publishes, those with a cache listen.
  const cache = options.cache === null ? null : new VerifiedCache(options.cache)
  const revocations = await setUpRevocations(dialect, cache, app.log)
  const instance = ++instances
  let store: TokenStore
  let authenticate: NonNullable<typeof options.authenticate>
  try {
    // The store reads its settings from the resolved options, with the
    // database, tables, cache and logger as registration set them up.
    store = new TokenStore({ ...options, dialect, tokens, users, cache, publisher: revocations.publisher, log: app.log }, `access_tokens_lookup_${instance}`)
    authenticate = options.authenticate ?? defaultAuthenticate(dialect, users!, `access_tokens_login_${instance}`)
  } catch (error) {
    // SQLite prepares at once, so a database without the tables fails here.
    throw new INVALID_OPTION('database', `its tables cannot be queried (${(error as Error).message}); run migrate(db) first, or pass your own tables`)
  }
  // The dummy hash of unknown-email logins exists before the first login:
  // built lazily, the first probe after a start would cost two scrypt runs
  // and so reveal that its email has no account.
  if (options.authenticate === null) await timingDummyHash()
  const transport = createTransport(options)
  const requireUser = createGuards(store, transport, options.decorator)

  if (options.cookie !== null && !app.hasPlugin('@fastify/cookie')) await app.register(cookiePlugin)

  // Fastify 5 takes only null (or primitives) as request decorator defaults.
  if (app.hasRequestDecorator(options.decorator)) {
    throw new INVALID_OPTION('decorator', `request.${options.decorator} is taken already (another authentication plugin?): choose another name`)
  }
  app.decorateRequest(options.decorator, null)
  app.decorateRequest('accessToken', null)
  const api: AccessTokensApi = {
    issue: (userId, metadata) => store.issue(userId, metadata),
    createApiKey: (userId, request) => store.createApiKey(userId, request),
    listApiKeys: (userId) => store.listApiKeys(userId),
    verify: (token) => store.verify(token) as ReturnType<AccessTokensApi['verify']>,
    revoke: (token) => store.revoke(token),
    revokeSession: (id) => store.revokeSession(id),
    revokeAll: (userId, revokeOptions) => store.revokeAll(userId, revokeOptions),
    list: (userId) => store.list(userId),
    pruneExpired: () => store.pruneExpired(),
    invalidateUser: (userId) => store.invalidateUser(userId)
  }
  app.decorate('accessTokens', api)
  app.decorate('authenticate', requireUser())
  app.decorate('requireUser', requireUser)

  // With @fastify/swagger registered first, the document shows the schemes.
  const openapi = openApiSupport(app, {
    bearer: options.bearer,
    cookieName: options.cookie === null ? null : options.cookie.name,
    routes: options.routes !== null
  })

  // `config: { auth: ... }` protects a route without naming a hook.
  const phase = options.hook
  // Marks the config of a route whose guard this instance attached when the
  // route was declared; one symbol per instance, as each guards on its own.
  const GUARDED = Symbol('fastify-access-tokens guarded')
  /** The guard a `config.auth` value asks for; a TypeError naming the route when it is not one. */
  function guardFor (auth: unknown, route: string): AuthHook {
    if (auth !== true && (typeof auth !== 'object' || auth === null || Array.isArray(auth))) {
      throw new TypeError(`config.auth of ${route} must be true, false or requireUser options`)
    }
    if (auth !== true) checkRequireUserOptions(auth, `config.auth of ${route}`)
    return requireUser(auth === true ? {} : auth)
  }
  app.addHook('onRoute', function attachAuthHook (route: RouteOptions) {
    const auth = (route.config as { auth?: unknown } | undefined)?.auth
    if (auth === undefined || auth === false) return
    const guard = guardFor(auth, `${route.method} ${route.url}`)
    const existing = route[phase]
    route[phase] = existing === undefined ? [guard] : [guard].concat(existing as never)
    route.config = { ...route.config, [GUARDED]: true } as RouteOptions['config']
    if (openapi.markAuthRoutes) route.schema = { security: openapi.security, ...route.schema } as RouteOptions['schema']
    if (openapi.documented && auth !== true) {
      // guardFor accepted it: requireUser options.
      const needs = requirementsOf(auth as RequireUserOptions)
      if (needs !== null) {
        const schema = (route.schema ?? {}) as { description?: string }
        route.schema = { ...schema, description: schema.description === undefined ? needs : `${schema.description}\n\n${needs}` } as RouteOptions['schema']
      }
    }
  })
  // Fail closed: a route declared before the plugin was registered never
  // passed through the hook above, and `config.auth: true` on it would let
  // anonymous requests through. Where this scope's hooks reach it (the
  // plugin's scope), its guard runs here instead. So does that of a route
  // whose config.auth an onRoute hook added after the plugin's set: that
  // hook ran after the one above. Hence this hook is added even when no
  // route was declared before the plugin.
  const lateGuards = new WeakMap<object, AuthHook>()
  // It runs on every request of the scope, so it is written with `done`: a
  // route with nothing to check costs no promise.
  app.addHook(phase, function guardRoutesDeclaredBefore (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const config = request.routeOptions.config
    const auth: unknown = config.auth
    if (auth === undefined || auth === false || Reflect.get(config, GUARDED) === true) return done()
    let guard = lateGuards.get(config)
    if (guard === undefined) {
      try {
        guard = guardFor(auth, `${request.method} ${request.routeOptions.url}`)
      } catch (error) {
        // A protection the route asks for and cannot have: refuse, and say why.
        request.log.error({ err: error }, 'access-tokens: refusing a request to a route whose config.auth is invalid')
        return done(error as Error)
      }
      lateGuards.set(config, guard)
    }
    guard(request, reply, done)
  })

  if (options.routes !== null) {
    await app.register(accessTokenRoutes, {
      prefix: options.routes.prefix,
      options: { ...options, routes: options.routes },
      store,
      transport,
      requireUser,
      authenticate,
      security: openapi.security,
      routeConfig: openapi.routeConfig
    })
  }

  const receiver = revocations.receiver
  if (receiver !== null) {
    await receiver.start()
    app.addHook('onClose', async function stopReceivingRevocations () {
      await receiver.close()
    })
  }

  if (options.pruneIntervalSeconds !== null) {
    let pruning: Promise<void> | null = null
    const timer = setInterval(function pruneExpiredTokens () {
      // A prune slower than the interval is not started again on top of itself.
      if (pruning !== null) return
      pruning = store.pruneExpired().then(() => {}, (error: unknown) => {
        app.log.error({ err: error }, 'access-tokens: pruning expired tokens failed')
      }).finally(() => { pruning = null })
    }, options.pruneIntervalSeconds * 1000)
    // The timer must not keep a process alive that is otherwise done.
    timer.unref()
    app.addHook('onClose', async function stopPruning () {
      clearInterval(timer)
      // Closing waits for a prune under way: no query after the app closed.
      await pruning
    })
  }
}

/** The plugin: register it with `{ database }` and any other options. */
export const accessTokensPlugin = fp(registerAccessTokens, {
  name: 'fastify-access-tokens',
  fastify: '5.x'
})
