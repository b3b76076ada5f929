import type { FastifyReply, FastifyRequest } from 'fastify'
import { INVALID_OPTION } from './errors.js'
import type { AccessTokenUser, ProvidedUser, UserDecorator } from './types.js'
import type { AnyTable, DrizzleDatabase } from './dialects/types.js'
import type { CookieSettings } from './transport.js'
import type { Credentials } from './users.js'
import { isScopeToken, type ResolvedApiKeys } from './scopes.js'
import { DEFAULT_API_KEY_PREFIX } from './token.js'

export interface CookieOptions {
  /**
   * Cookie name. Default `access_token`. `__Host-access_token` is
   * recommended: browsers then keep it to this host, path `/`, over https,
   * so a sibling subdomain cannot plant or overwrite it.
   */
  name?: string
  path?: string
  domain?: string
  /** Default true. `'auto'`: secure when the request came over https. */
  secure?: boolean | 'auto'
  httpOnly?: boolean
  sameSite?: 'lax' | 'strict' | 'none'
}

export interface RoutesOptions {
  /** Default `/auth`. */
  prefix?: string
  /** `GET /sessions`, `DELETE /sessions/:id`, `POST /logout-all`. Default true. */
  sessions?: boolean
  /** Route options of `POST /login`, such as `config.rateLimit` for @fastify/rate-limit. */
  login?: { config?: Record<string, unknown> }
}

export interface ApiKeysOptions {
  /** The start of every key: letters, digits and `_`. Default `fat_`; set your own, so scanners can tell your keys apart. */
  prefix?: string
  /** The scopes keys may be given; when left out, any RFC 6749 scope token. */
  scopes?: string[]
  /** The longest lifetime of a key, and the lifetime of a key created without one. Default null: keys may never expire. */
  maxLifetimeSeconds?: number | null
  /** Live keys per user; creation beyond answers 409. Default 100; null: no limit. */
  maxPerUser?: number | null
}

export interface CacheOptions {
  ttlSeconds?: number
  max?: number
}

export type AuthenticateFunction<User> = (credentials: Credentials, request: FastifyRequest) => Promise<User | null | undefined> | User | null | undefined
export type GetUserFunction<User> = (userId: never) => Promise<User | null | undefined> | User | null | undefined
export type LifecycleCallback<User> = (user: User, request: FastifyRequest, reply: FastifyReply) => Promise<void> | void

export type { DrizzleDatabase }

/**
 * The plugin's options. `authenticate` and `getUser` return, and `onLogin`
 * and `onLogout` receive, the user type declared through `FastifyAccessTokens`.
 */
export interface AccessTokensOptions {
  /** A Drizzle database on one of the supported drivers. */
  database: DrizzleDatabase
  /** The access-token table (see defineAccessTokenTable). */
  tokens?: AnyTable
  /** The user table; false when both authenticate and getUser are given. */
  users?: AnyTable | false
  lifetimeSeconds?: number | null
  idleTimeoutSeconds?: number | null
  maxTokensPerUser?: number | null
  bearer?: boolean
  cookie?: boolean | CookieOptions
  trustedOrigins?: string[]
  routes?: false | RoutesOptions
  authenticate?: AuthenticateFunction<ProvidedUser>
  getUser?: GetUserFunction<ProvidedUser>
  requireVerified?: boolean
  /**
   * The request property that holds the user. Default `'user'`; another name
   * must be declared as `decorator` in `FastifyAccessTokens`, so that the
   * request's type has it.
   */
  decorator?: UserDecorator
  hook?: 'onRequest' | 'preHandler'
  cache?: boolean | CacheOptions
  /** API keys: named, scoped, long-lived tokens that users create. Default false. */
  apiKeys?: boolean | ApiKeysOptions
  pruneIntervalSeconds?: number | null
  /**
   * Every database call of the plugin answers within this many milliseconds
   * or fails with 503 TOKEN_STORE_UNAVAILABLE; a pooled connection whose call
   * timed out is destroyed. On SQLite: the busy timeout. Default 5000; null: no limit.
   */
  storeTimeoutMs?: number | null
  onLogin?: LifecycleCallback<AccessTokenUser>
  onLogout?: LifecycleCallback<AccessTokenUser>
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions {
  tokens: AnyTable | undefined
  users: AnyTable | false | undefined
  lifetimeSeconds: number | null
  idleTimeoutSeconds: number | null
  maxTokensPerUser: number | null
  bearer: boolean
  cookie: CookieSettings | null
  trustedOrigins: Set<string>
  routes: { prefix: string, sessions: boolean, loginConfig: Record<string, unknown> } | null
  authenticate: AuthenticateFunction<unknown> | null
  getUser: GetUserFunction<unknown> | null
  requireVerified: boolean
  decorator: string
  hook: 'onRequest' | 'preHandler'
  cache: { ttlSeconds: number, max: number } | null
  apiKeys: ResolvedApiKeys | null
  pruneIntervalSeconds: number | null
  storeTimeoutMs: number | null
  onLogin: LifecycleCallback<unknown> | null
  onLogout: LifecycleCallback<unknown> | null
}

const KNOWN_OPTIONS = new Set([
  'database', 'tokens', 'users', 'lifetimeSeconds', 'idleTimeoutSeconds', 'maxTokensPerUser', 'bearer',
  'cookie', 'trustedOrigins', 'routes', 'authenticate', 'getUser', 'requireVerified', 'decorator', 'hook',
  'cache', 'apiKeys', 'pruneIntervalSeconds', 'storeTimeoutMs', 'onLogin', 'onLogout',
  // Fastify's own register options.
  'prefix', 'logLevel', 'logSerializers'
])
const COOKIE_OPTIONS = new Set(['name', 'path', 'domain', 'secure', 'httpOnly', 'sameSite'])
const ROUTES_OPTIONS = new Set(['prefix', 'sessions', 'login'])
const CACHE_OPTIONS = new Set(['ttlSeconds', 'max'])
const CACHE_DEFAULTS = { ttlSeconds: 60, max: 10_000 }
const API_KEYS_OPTIONS = new Set(['prefix', 'scopes', 'maxLifetimeSeconds', 'maxPerUser'])
// Letters, digits and `_`: what scanners' patterns and a double click take as one word.
const API_KEY_PREFIX = /^[A-Za-z0-9_]{1,32}$/
// RFC 6265 cookie-name: a token, no separators or controls.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// A property name that can safely be a request decorator.
const DECORATOR_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

function fail (option: string, problem: string): never {
  throw new INVALID_OPTION(option, problem)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkKeys (option: string, value: Record<string, unknown>, known: Set<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) fail(`${option}.${key}`, 'unknown option')
  }
}

// Upper bounds: past them a Date or a timer stops working, or memory is
// reserved for nothing.
const MAX_SECONDS = 100 * 365 * 24 * 3600
// setInterval takes at most 2^31 - 1 ms; more and it fires every millisecond.
const MAX_TIMER_MS = 2 ** 31 - 1
const MAX_INTERVAL_SECONDS = Math.floor(MAX_TIMER_MS / 1000)
const MAX_COUNT = 1_000_000

function positiveInteger (option: string, value: unknown, fallback: number | null, max: number): number | null {
  if (value === undefined) return fallback
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    fail(option, 'must be a positive integer or null')
  }
  if (value > max) fail(option, `must be at most ${max}`)
  return value
}

function boolean (option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, 'must be true or false')
  return value
}

function fn<T> (option: string, value: unknown): T | null {
  if (value === undefined) return null
  if (typeof value !== 'function') fail(option, 'must be a function')
  return value as T
}

function resolveCookie (value: unknown): ResolvedOptions['cookie'] {
  if (value === undefined || value === false) return null
  const given = value === true ? {} : value
  if (!isObject(given)) fail('cookie', 'must be true, false or cookie options')
  checkKeys('cookie', given, COOKIE_OPTIONS)
  const name = given.name ?? 'access_token'
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) fail('cookie.name', 'must be a valid cookie name')
  const path = given.path ?? '/'
  if (typeof path !== 'string' || !path.startsWith('/')) fail('cookie.path', 'must be a path starting with /')
  if (given.domain !== undefined && (typeof given.domain !== 'string' || given.domain === '')) fail('cookie.domain', 'must be a non-empty string')
  const secure = given.secure ?? true
  if (secure !== true && secure !== false && secure !== 'auto') fail('cookie.secure', "must be true, false or 'auto'")
  const httpOnly = boolean('cookie.httpOnly', given.httpOnly, true)
  const sameSite = given.sameSite ?? 'lax'
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') fail('cookie.sameSite', "must be 'lax', 'strict' or 'none'")
  // Options a browser refuses or ignores would leave users signed out, or a
  // cookie without the protection its name promises (RFC 6265bis).
  const secured = secure !== false
  if (sameSite === 'none' && !secured) fail('cookie', "sameSite 'none' needs secure: browsers refuse such a cookie")
  const lowerName = name.toLowerCase()
  if (lowerName.startsWith('__host-')) {
    if (!secured) fail('cookie', 'a __Host- cookie needs secure')
    if (given.domain !== undefined) fail('cookie', 'a __Host- cookie cannot have a domain')
    if (path !== '/') fail('cookie', "a __Host- cookie needs path '/'")
  } else if (lowerName.startsWith('__secure-') && !secured) {
    fail('cookie', 'a __Secure- cookie needs secure')
  }
  return { name, path, domain: given.domain as string | undefined, secure, httpOnly, sameSite }
}

function resolveOrigins (value: unknown): Set<string> {
  if (value === undefined) return new Set()
  if (!Array.isArray(value)) fail('trustedOrigins', 'must be an array of origins')
  return new Set(value.map((origin) => {
    let parsed: URL | null = null
    try {
      parsed = new URL(origin)
    } catch {}
    // An origin is scheme://host[:port] exactly, as browsers send it.
    if (typeof origin !== 'string' || parsed === null || parsed.origin !== origin) {
      fail('trustedOrigins', `${JSON.stringify(origin)} is not an origin such as https://app.example.com`)
    }
    return origin
  }))
}

function resolveRoutes (value: unknown): ResolvedOptions['routes'] {
  if (value === false) return null
  const given = value ?? {}
  if (!isObject(given)) fail('routes', 'must be false or route options')
  checkKeys('routes', given, ROUTES_OPTIONS)
  const prefix = given.prefix ?? '/auth'
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/'))) fail('routes.prefix', 'must be a path starting with /')
  const login = given.login ?? {}
  if (!isObject(login) || (login.config !== undefined && !isObject(login.config))) fail('routes.login', 'must be { config: { ... } }')
  return {
    prefix,
    sessions: boolean('routes.sessions', given.sessions, true),
    loginConfig: (login.config ?? {}) as Record<string, unknown>
  }
}

function resolveCache (value: unknown): ResolvedOptions['cache'] {
  if (value === undefined || value === false) return null
  if (value === true) return { ...CACHE_DEFAULTS }
  if (!isObject(value)) fail('cache', 'must be true, false or { ttlSeconds, max }')
  checkKeys('cache', value, CACHE_OPTIONS)
  return {
    ttlSeconds: positiveInteger('cache.ttlSeconds', value.ttlSeconds, CACHE_DEFAULTS.ttlSeconds, MAX_SECONDS) ?? fail('cache.ttlSeconds', 'must be a positive integer'),
    max: positiveInteger('cache.max', value.max, CACHE_DEFAULTS.max, MAX_COUNT) ?? fail('cache.max', 'must be a positive integer')
  }
}

function resolveApiKeys (value: unknown, bearer: boolean): ResolvedApiKeys | null {
  if (value === undefined || value === false) return null
  const given = value === true ? {} : value
  if (!isObject(given)) fail('apiKeys', 'must be true, false or { prefix, scopes, maxLifetimeSeconds, maxPerUser }')
  checkKeys('apiKeys', given, API_KEYS_OPTIONS)
  // Keys travel in the Authorization header only.
  if (!bearer) fail('apiKeys', 'needs bearer: API keys are sent in the Authorization header')
  const prefix = given.prefix ?? DEFAULT_API_KEY_PREFIX
  if (typeof prefix !== 'string' || !API_KEY_PREFIX.test(prefix)) fail('apiKeys.prefix', 'must be 1 to 32 letters, digits or _')
  let scopes: Set<string> | null = null
  if (given.scopes !== undefined) {
    if (!Array.isArray(given.scopes) || !given.scopes.every(isScopeToken)) {
      fail('apiKeys.scopes', 'must be an array of scope names (RFC 6749: printable ASCII without space, " or \\, at most 100 characters)')
    }
    scopes = new Set(given.scopes)
  }
  return {
    prefix,
    scopes,
    maxLifetimeSeconds: positiveInteger('apiKeys.maxLifetimeSeconds', given.maxLifetimeSeconds, null, MAX_SECONDS),
    maxPerUser: positiveInteger('apiKeys.maxPerUser', given.maxPerUser, 100, MAX_COUNT)
  }
}

/** Validates the plugin options and fills in the defaults; errors name the option. */
export function resolveOptions (options: unknown): ResolvedOptions {
  if (!isObject(options)) fail('options', 'must be an object')
  checkKeys('options', options, KNOWN_OPTIONS)
  if (options.database === undefined || options.database === null) fail('database', 'is required: a Drizzle database')

  const bearer = boolean('bearer', options.bearer, true)
  const cookie = resolveCookie(options.cookie)
  if (!bearer && cookie === null) fail('bearer', 'at least one of bearer and cookie must be on')

  const authenticate = fn<AuthenticateFunction<unknown>>('authenticate', options.authenticate)
  const getUser = fn<GetUserFunction<unknown>>('getUser', options.getUser)
  const users = options.users
  if (users === false && (authenticate === null || getUser === null)) {
    fail('users', 'can be false only when both authenticate and getUser are given')
  }
  if (users !== undefined && users !== false && !isObject(users)) fail('users', 'must be a Drizzle table or false')
  if (options.tokens !== undefined && !isObject(options.tokens)) fail('tokens', 'must be a Drizzle table')

  const decorator = options.decorator ?? 'user'
  if (typeof decorator !== 'string' || !DECORATOR_NAME.test(decorator) || decorator === 'accessToken') {
    fail('decorator', 'must be an identifier other than accessToken')
  }
  const hook = options.hook ?? 'onRequest'
  if (hook !== 'onRequest' && hook !== 'preHandler') fail('hook', "must be 'onRequest' or 'preHandler'")

  return {
    tokens: options.tokens,
    users: users as ResolvedOptions['users'],
    lifetimeSeconds: positiveInteger('lifetimeSeconds', options.lifetimeSeconds, 3600, MAX_SECONDS),
    idleTimeoutSeconds: positiveInteger('idleTimeoutSeconds', options.idleTimeoutSeconds, null, MAX_SECONDS),
    maxTokensPerUser: positiveInteger('maxTokensPerUser', options.maxTokensPerUser, null, MAX_COUNT),
    bearer,
    cookie,
    trustedOrigins: resolveOrigins(options.trustedOrigins),
    routes: resolveRoutes(options.routes),
    authenticate,
    getUser,
    requireVerified: boolean('requireVerified', options.requireVerified, false),
    decorator,
    hook,
    cache: resolveCache(options.cache),
    apiKeys: resolveApiKeys(options.apiKeys, bearer),
    pruneIntervalSeconds: positiveInteger('pruneIntervalSeconds', options.pruneIntervalSeconds, null, MAX_INTERVAL_SECONDS),
    storeTimeoutMs: positiveInteger('storeTimeoutMs', options.storeTimeoutMs, 5000, MAX_TIMER_MS),
    onLogin: fn('onLogin', options.onLogin),
    onLogout: fn('onLogout', options.onLogout)
  }
}
