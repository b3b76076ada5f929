import type { FastifyReply, FastifyRequest } from 'fastify'
import { INVALID_OPTION } from './errors.js'
import type { AccessTokenUser, DatabaseTables, DrizzleDatabase, DrizzleTable, ProvidedUser, UserDecorator } from './types.js'
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
  /** Default `/`. */
  path?: string
  /** Default none: the cookie stays on the host that set it. */
  domain?: string
  /** Default true. `'auto'`: secure when the request came over https. */
  secure?: boolean | 'auto'
  /** Default true: scripts in the page cannot read the token. */
  httpOnly?: boolean
  /** Default `'lax'`. `'none'` needs `secure`. */
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
  /** Seconds a verified token is served from the cache. Default 60. */
  ttlSeconds?: number
  /** Entries kept; the least recently used go first. Default 10000. */
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
export type AccessTokensOptions = DatabaseTables & SettingsOptions

/**
 * The options besides `database`, `tokens` and `users` (DatabaseTables):
 * `database` is a Drizzle database on one of the supported drivers
 * (required); `tokens` the access-token table (see defineAccessTokenTable),
 * by default the dialect's `access_token` table; `users` the user table, by
 * default the dialect's `user` table.
 */
export interface SettingsOptions {
  /** Seconds a login token lives after it was issued. Default 3600; null: until revoked. */
  lifetimeSeconds?: number | null
  /** Seconds a login token lives after its last use (needs a last_used_at column). Default null: no idle timeout. */
  idleTimeoutSeconds?: number | null
  /** Login tokens kept per user; a login beyond evicts the oldest. Default null: no limit. */
  maxTokensPerUser?: number | null
  /** Accept `Authorization: Bearer <token>`, and answer login with the token. Default true. */
  bearer?: boolean
  /** Send and accept the token in an HttpOnly cookie (true: the defaults of CookieOptions). Default false. */
  cookie?: boolean | CookieOptions
  /** Origins besides the server's own whose cookie-authenticated unsafe requests pass the CSRF check. Default []. */
  trustedOrigins?: string[]
  /** The login, logout, sessions and API-key routes; false: none. Default `{ prefix: '/auth' }`. */
  routes?: false | RoutesOptions
  /** Checks credentials and returns the user. Default: the user table's email and scrypt hash. */
  authenticate?: AuthenticateFunction<ProvidedUser>
  /** Finds the user of a token by id. Default: joined from the user table in the token lookup. */
  getUser?: GetUserFunction<ProvidedUser>
  /** Refuse login to users not verified (403 LOGIN_USER_NOT_VERIFIED). Default false. */
  requireVerified?: boolean
  /**
   * The request property that holds the user. Default `'user'`; another name
   * must be declared as `decorator` in `FastifyAccessTokens`, so that the
   * request's type has it.
   */
  decorator?: UserDecorator
  /** The phase of the hooks attached to routes with `config.auth`. Default `'onRequest'`. */
  hook?: 'onRequest' | 'preHandler'
  /** In-process cache of verified tokens (true: `{ ttlSeconds: 60, max: 10000 }`). Default false. */
  cache?: boolean | CacheOptions
  /** API keys: named, scoped, long-lived tokens that users create. Default false. */
  apiKeys?: boolean | ApiKeysOptions
  /** Delete expired rows every this many seconds (an unref'd timer). Default null: only when pruneExpired() is called. */
  pruneIntervalSeconds?: number | null
  /**
   * Every database call of the plugin answers within this many milliseconds
   * or fails with 503 TOKEN_STORE_UNAVAILABLE; a pooled connection whose call
   * timed out is destroyed. On SQLite: the busy timeout. Default 5000; null: no limit.
   */
  storeTimeoutMs?: number | null
  /** Called after a successful login, before the answer; if it throws, the new token is revoked. Default none. */
  onLogin?: LifecycleCallback<AccessTokenUser>
  /** Called after a logout (logout-all too). Default none. */
  onLogout?: LifecycleCallback<AccessTokenUser>
}

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

function resolveCookie (value: unknown): CookieSettings | null {
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

function resolveRoutes (value: unknown): { prefix: string, sessions: boolean, loginConfig: Record<string, unknown> } | null {
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

function resolveCache (value: unknown): { ttlSeconds: number, max: number } | null {
  if (value === undefined || value === false) return null
  if (value === true) return { ...CACHE_DEFAULTS }
  if (!isObject(value)) fail('cache', 'must be true, false or { ttlSeconds, max }')
  checkKeys('cache', value, CACHE_OPTIONS)
  return {
    ttlSeconds: positiveInteger('cache.ttlSeconds', value.ttlSeconds, CACHE_DEFAULTS.ttlSeconds, MAX_SECONDS) ?? fail('cache.ttlSeconds', 'must be a positive integer'),
    max: positiveInteger('cache.max', value.max, CACHE_DEFAULTS.max, MAX_COUNT) ?? fail('cache.max', 'must be a positive integer')
  }
}

function resolveApiKeys (value: unknown): ResolvedApiKeys | null {
  if (value === undefined || value === false) return null
  const given = value === true ? {} : value
  if (!isObject(given)) fail('apiKeys', 'must be true, false or { prefix, scopes, maxLifetimeSeconds, maxPerUser }')
  checkKeys('apiKeys', given, API_KEYS_OPTIONS)
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

/**
 * How each option is checked and what it becomes, defaults filled in: the one
 * list of the options. `satisfies` holds it to AccessTokensOptions, key for
 * key; ResolvedOptions and the known keys are read off it.
 */
const RESOLVERS = {
  database: (value: unknown) => value ?? fail('database', 'is required: a Drizzle database'),
  tokens: (value: unknown) => {
    if (value !== undefined && !isObject(value)) fail('tokens', 'must be a Drizzle table')
    return value as DrizzleTable | undefined
  },
  users: (value: unknown) => {
    if (value !== undefined && value !== false && !isObject(value)) fail('users', 'must be a Drizzle table or false')
    return value as DrizzleTable | false | undefined
  },
  lifetimeSeconds: (value: unknown) => positiveInteger('lifetimeSeconds', value, 3600, MAX_SECONDS),
  idleTimeoutSeconds: (value: unknown) => positiveInteger('idleTimeoutSeconds', value, null, MAX_SECONDS),
  maxTokensPerUser: (value: unknown) => positiveInteger('maxTokensPerUser', value, null, MAX_COUNT),
  bearer: (value: unknown) => boolean('bearer', value, true),
  cookie: resolveCookie,
  trustedOrigins: resolveOrigins,
  routes: resolveRoutes,
  authenticate: (value: unknown) => fn<AuthenticateFunction<unknown>>('authenticate', value),
  getUser: (value: unknown) => fn<GetUserFunction<unknown>>('getUser', value),
  requireVerified: (value: unknown) => boolean('requireVerified', value, false),
  decorator: (value: unknown): string => {
    const decorator = value ?? 'user'
    if (typeof decorator !== 'string' || !DECORATOR_NAME.test(decorator) || decorator === 'accessToken') {
      fail('decorator', 'must be an identifier other than accessToken')
    }
    return decorator
  },
  hook: (value: unknown): 'onRequest' | 'preHandler' => {
    const hook = value ?? 'onRequest'
    if (hook !== 'onRequest' && hook !== 'preHandler') fail('hook', "must be 'onRequest' or 'preHandler'")
    return hook
  },
  cache: resolveCache,
  apiKeys: resolveApiKeys,
  pruneIntervalSeconds: (value: unknown) => positiveInteger('pruneIntervalSeconds', value, null, MAX_INTERVAL_SECONDS),
  storeTimeoutMs: (value: unknown) => positiveInteger('storeTimeoutMs', value, 5000, MAX_TIMER_MS),
  onLogin: (value: unknown) => fn<LifecycleCallback<unknown>>('onLogin', value),
  onLogout: (value: unknown) => fn<LifecycleCallback<unknown>>('onLogout', value)
} satisfies { [Option in keyof AccessTokensOptions]-?: (value: unknown) => unknown }

/** The options after validation, with every default filled in. */
export type ResolvedOptions = { [Option in keyof typeof RESOLVERS]: ReturnType<typeof RESOLVERS[Option]> }

/** The plugin's options, and Fastify's own register options, which reach it too. */
const KNOWN_OPTIONS = new Set([...Object.keys(RESOLVERS), 'prefix', 'logLevel', 'logSerializers'])

/** Validates the plugin options and fills in the defaults; errors name the option. */
export function resolveOptions (options: unknown): ResolvedOptions {
  if (!isObject(options)) fail('options', 'must be an object')
  checkKeys('options', options, KNOWN_OPTIONS)
  const resolved = Object.fromEntries(Object.entries(RESOLVERS)
    .map(([option, resolve]) => [option, resolve(options[option])])) as ResolvedOptions

  // Rules between options.
  if (!resolved.bearer && resolved.cookie === null) fail('bearer', 'at least one of bearer and cookie must be on')
  if (resolved.users === false && (resolved.authenticate === null || resolved.getUser === null)) {
    fail('users', 'can be false only when both authenticate and getUser are given')
  }
  // Keys travel in the Authorization header only.
  if (resolved.apiKeys !== null && !resolved.bearer) fail('apiKeys', 'needs bearer: API keys are sent in the Authorization header')
  return resolved
}
