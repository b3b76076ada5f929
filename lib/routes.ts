import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import { API_KEY_NOT_FOUND, CSRF_FAILED, LOGIN_BAD_CREDENTIALS, LOGIN_USER_NOT_VERIFIED, SESSION_NOT_FOUND } from './errors.js'
import { decoratedUser, type AuthHook, type RequireUserOptions } from './hooks.js'
import type { ResolvedOptions } from './options.js'
import type { TokenStore } from './store.js'
import type { Transport } from './transport.js'
import type { Credentials } from './users.js'
import { isActiveUser, isVerifiedUser } from './flags.js'
import { redactIdPath, redactedSerializers } from './log-redaction.js'
import { apiKeyBody, apiKeyCreated, apiKeyList, errorResponse, loginBody, noContent, sessionList, sessionParams, tokenResponse } from './schemas.js'
import type { Session } from './session.js'

export interface RoutesContext {
  /** The plugin's options, resolved: the routes read theirs from it. */
  options: ResolvedOptions & { routes: NonNullable<ResolvedOptions['routes']> }
  store: TokenStore
  transport: Transport
  requireUser: (options?: RequireUserOptions) => AuthHook
  authenticate: (credentials: Credentials, request: FastifyRequest) => unknown
  security: Array<Record<string, string[]>>
  /** Config of every route here: @fastify/swagger's swaggerTransform, when registered. */
  routeConfig: Record<string, unknown>
}

interface UserLike { id: unknown, isActive?: unknown, isVerified?: unknown }

// summary, tags and security are OpenAPI keywords that @fastify/swagger reads.
const documented = (schema: Record<string, unknown>): FastifySchema => schema as FastifySchema

// What each error status means on these routes; @fastify/swagger shows a
// response schema's description as the response's.
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'A missing or invalid field, LOGIN_BAD_CREDENTIALS or LOGIN_USER_NOT_VERIFIED',
  401: 'UNAUTHORIZED: no valid access token',
  403: 'CSRF_FAILED: a cookie-authenticated request from a foreign origin',
  404: 'SESSION_NOT_FOUND: not one of the caller\'s sessions',
  503: 'TOKEN_STORE_UNAVAILABLE: the database failed'
}

const errors = (...codes: number[]): Record<number, typeof errorResponse & { description: string }> =>
  Object.fromEntries(codes.map((code) => [code, { ...errorResponse, description: ERROR_DESCRIPTIONS[code] }]))

/** The path spaces under the prefix whose URLs carry ids (token digests). */
const ID_PATHS = ['/sessions', '/api-keys']

const LOGINS_ONLY = 'Logins only: an API key gets 403 FORBIDDEN.'
const FORBIDDEN_KEY = { ...errorResponse, description: 'FORBIDDEN: an API key on a route that takes logins only; CSRF_FAILED: a cookie-authenticated request from a foreign origin' }

const noStore = function noStore (_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.header('cache-control', 'no-store')
  done()
}

/** An API key as the routes show it: never the secret. */
function apiKeyOf (session: Session): Record<string, unknown> {
  return {
    id: session.id,
    name: session.name,
    scopes: session.scopes,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    lastUsedAt: session.lastUsedAt
  }
}

/** Login, logout and the sessions routes, in an encapsulated plugin so `prefix` applies. */
export async function accessTokenRoutes (app: FastifyInstance, context: RoutesContext): Promise<void> {
  const { options, store, transport, requireUser, security, routeConfig: config } = context
  const { decorator } = options
  // Every answer of these routes, errors and validation failures included,
  // stays out of shared and browser caches: they carry tokens, session
  // lists with IP addresses, or say who is signed in. A hook of this scope
  // runs before any route's own hooks, the guards included.
  app.addHook('onRequest', noStore)
  redactIdsInLogs(app)
  // Form posts only reach these routes; the application's parsers stay its
  // own, and one it registered already is used as it is.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody)

  // Set by the route's guard, which ran before the handler.
  const userOf = (request: FastifyRequest): UserLike => decoratedUser(request, decorator) as UserLike
  // Ending one's own sessions is always allowed, even for an inactive user.
  const anySignedIn = requireUser({ active: false })
  // Managing sessions and keys takes a login: a leaked key must not mint
  // more keys or end its owner's sessions.
  const loginOnly = requireUser({ apiKeys: false })
  const anyLogin = requireUser({ active: false, apiKeys: false })

  app.post<{ Body: Credentials }>('/login', {
    config: { ...config, ...options.routes.loginConfig },
    schema: documented({
      summary: 'Log in with username (email) and password',
      tags: ['auth'],
      // Both parsers are registered here; the document lists both.
      consumes: ['application/json', 'application/x-www-form-urlencoded'],
      body: loginBody,
      response: {
        // The token in the body with Bearer on; only the cookie without.
        ...(options.bearer ? { 200: tokenResponse } : { 204: noContent }),
        ...errors(400, 403, 503)
      }
    })
  }, async function login (request, reply) {
    if (!transport.isLoginAllowed(request)) throw new CSRF_FAILED()
    const { username, password } = request.body
    const user = await context.authenticate({ username, password }, request) as UserLike | null | undefined
    // Order: credentials, active, verified; an inactive user learns nothing more.
    // The flags are read as every guard reads them (lib/flags.ts).
    if (user === null || user === undefined || !isActiveUser(user)) throw new LOGIN_BAD_CREDENTIALS()
    if (options.requireVerified && !isVerifiedUser(user)) throw new LOGIN_USER_NOT_VERIFIED()

    const { token, session } = await store.issue(user.id, {
      userAgent: request.headers['user-agent'] ?? null,
      ip: request.ip
    })
    if (options.onLogin !== null) {
      try {
        await options.onLogin(user, request, reply)
      } catch (error) {
        // A login the application refused must leave no usable token behind;
        // its error is the answer even when that cleanup fails too (the
        // token never reached the client).
        await store.revokeSession(session.id).catch((revokeError: unknown) => {
          request.log.error({ err: revokeError }, 'access-tokens: could not revoke the token of a refused login')
        })
        throw error
      }
    }
    transport.write(reply, token)
    if (!options.bearer) return reply.code(204).send()
    const body: Record<string, unknown> = { access_token: token, token_type: 'bearer' }
    if (options.lifetimeSeconds !== null) body.expires_in = options.lifetimeSeconds
    return body
  })

  async function ended (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    transport.clear(reply)
    if (options.onLogout !== null) await options.onLogout(userOf(request), request, reply)
    reply.code(204).send()
  }

  app.post('/logout', {
    onRequest: anySignedIn,
    config,
    schema: documented({ summary: 'Log out: delete the token of this request', tags: ['auth'], security, response: { 204: noContent, ...errors(401, 403, 503) } })
  }, async function logout (request, reply) {
    await store.revokeSession(request.accessToken!.id)
    await ended(request, reply)
  })

  if (options.apiKeys !== null) apiKeyRoutes(app, context, { userOf, loginOnly, anySignedIn })

  if (!options.routes.sessions) return

  app.get('/sessions', {
    onRequest: loginOnly,
    config,
    schema: documented({ summary: 'The live login sessions of the signed-in user, newest first', description: LOGINS_ONLY, tags: ['auth'], security, response: { 200: sessionList, ...errors(401), 403: FORBIDDEN_KEY, ...errors(503) } })
  }, async function listSessions (request) {
    const current = request.accessToken!.id
    const sessions = await store.list(userOf(request).id)
    return sessions.map((session) => ({
      id: session.id,
      createdAt: session.createdAt,
      lastUsedAt: session.lastUsedAt,
      expiresAt: session.expiresAt,
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === current
    }))
  })

  app.delete<{ Params: { id: string } }>('/sessions/:id', {
    onRequest: anyLogin,
    config,
    schema: documented({ summary: 'End one of the signed-in user\'s login sessions', description: LOGINS_ONLY, tags: ['auth'], security, params: sessionParams, response: { 204: noContent, ...errors(401), 403: FORBIDDEN_KEY, ...errors(404, 503) } })
  }, async function deleteSession (request, reply) {
    const { id } = request.params
    // Someone else's session and a session that does not exist get the same
    // answer, so ids cannot be probed.
    if (!await store.revokeOwnSession(userOf(request).id, id)) throw new SESSION_NOT_FOUND()
    if (id === request.accessToken!.id) transport.clear(reply)
    reply.code(204).send()
  })

  app.post('/logout-all', {
    onRequest: anyLogin,
    config,
    schema: documented({ summary: 'Log out everywhere: delete every login session of the signed-in user (API keys stay)', description: LOGINS_ONLY, tags: ['auth'], security, response: { 204: noContent, ...errors(401), 403: FORBIDDEN_KEY, ...errors(503) } })
  }, async function logoutAll (request, reply) {
    await store.revokeAll(userOf(request).id, { kind: 'session' })
    await ended(request, reply)
  })
}

/**
 * Keeps session and API-key ids (token digests) out of the log lines of this
 * scope: the request lines of its routes, whatever spelling of the path
 * reached them, and Fastify's 404 lines for the id path spaces (a trailing
 * slash, a wrong method), which a not-found handler of their own answers
 * the way Fastify's default one does.
 */
function redactIdsInLogs (app: FastifyInstance): void {
  const prefix = app.prefix
  const parentFactory = app.childLoggerFactory
  app.setChildLoggerFactory(function redactingChildLogger (logger, bindings, opts, rawRequest) {
    const redacted = redactIdPath(rawRequest.url as string, prefix)
    if (redacted === null) return parentFactory.call(this, logger, bindings, opts, rawRequest)
    return parentFactory.call(this, logger, bindings, { ...opts, serializers: redactedSerializers(opts.serializers, redacted) }, rawRequest)
  })
  for (const path of ID_PATHS) {
    app.register(async function idPathNotFound (scope) {
      scope.setNotFoundHandler(function notFound (request, reply) {
        const url = redactIdPath(request.url, prefix) ?? request.url
        request.log.info(`Route ${request.method}:${url} not found`)
        reply.code(404).send({ message: `Route ${request.method}:${url} not found`, error: 'Not Found', statusCode: 404 })
      })
    }, { prefix: path })
  }
}

/** POST /api-keys, GET /api-keys, DELETE /api-keys/:id. */
function apiKeyRoutes (app: FastifyInstance, context: RoutesContext, guards: { userOf: (request: FastifyRequest) => UserLike, loginOnly: AuthHook, anySignedIn: AuthHook }): void {
  const { store, security, routeConfig: config } = context
  const { userOf, loginOnly, anySignedIn } = guards

  app.post<{ Body: { name: unknown, scopes?: unknown, expiresInSeconds?: unknown } }>('/api-keys', {
    onRequest: loginOnly,
    config,
    // The store checks the body (it would be coerced here): see apiKeyBody.
    validatorCompiler: () => () => true,
    schema: documented({
      summary: 'Create an API key for the signed-in user; the key is shown once',
      description: LOGINS_ONLY,
      tags: ['api-keys'],
      security,
      body: apiKeyBody,
      response: {
        201: apiKeyCreated,
        400: { ...errorResponse, description: 'INVALID_NAME, INVALID_SCOPE or INVALID_LIFETIME' },
        ...errors(401),
        403: FORBIDDEN_KEY,
        409: { ...errorResponse, description: 'API_KEY_LIMIT_REACHED: revoke a key first' },
        ...errors(503)
      }
    })
  }, async function createApiKey (request, reply) {
    const { token, session } = await store.createApiKey(userOf(request).id, request.body ?? {})
    reply.code(201)
    return { ...apiKeyOf(session), token }
  })

  app.get('/api-keys', {
    onRequest: loginOnly,
    config,
    schema: documented({ summary: 'The live API keys of the signed-in user, newest first (never the keys themselves)', description: LOGINS_ONLY, tags: ['api-keys'], security, response: { 200: apiKeyList, ...errors(401), 403: FORBIDDEN_KEY, ...errors(503) } })
  }, async function listApiKeys (request) {
    return (await store.listApiKeys(userOf(request).id)).map(apiKeyOf)
  })

  app.delete<{ Params: { id: string } }>('/api-keys/:id', {
    // An inactive user may still revoke their keys, as they may log out.
    onRequest: anySignedIn,
    config,
    schema: documented({
      summary: 'Revoke one of the signed-in user\'s API keys',
      description: 'A login of the owner, or the key itself.',
      tags: ['api-keys'],
      security,
      params: sessionParams,
      response: { 204: noContent, ...errors(401, 403), 404: { ...errorResponse, description: 'API_KEY_NOT_FOUND: not one of the caller\'s keys' }, ...errors(503) }
    })
  }, async function deleteApiKey (request, reply) {
    const { id } = request.params
    const current = request.accessToken!
    // A key may revoke itself, never a sibling: it gets the answer of a key
    // that does not exist, so ids cannot be probed.
    const revoked = current.kind === 'api-key'
      ? id === current.id && await store.revokeSession(id)
      : await store.revokeOwnApiKey(userOf(request).id, id)
    if (!revoked) throw new API_KEY_NOT_FOUND()
    reply.code(204).send()
  })
}
