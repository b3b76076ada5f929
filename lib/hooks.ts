import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { AuthHook, RequireUserOptions } from './types.js'
import { CSRF_FAILED, FORBIDDEN, INSUFFICIENT_SCOPE, UNAUTHORIZED } from './errors.js'
import { isScopeToken } from './scopes.js'
import { hashToken } from './token.js'
import { isUnsafeMethod, type Transport } from './transport.js'
import type { TokenStore } from './store.js'
import type { Verified } from './cache.js'
import { isActiveUser, isSuperuserUser, isVerifiedUser } from './flags.js'

export type { RequireUserOptions, AuthHook }

// RFC 6750 section 3: a 401 names the scheme, and says invalid_token when a
// token was presented.
const CHALLENGE = 'Bearer'
const CHALLENGE_INVALID = 'Bearer error="invalid_token"'

function unauthorized (reply: FastifyReply, tokenPresented: boolean): Error {
  reply.header('www-authenticate', tokenPresented ? CHALLENGE_INVALID : CHALLENGE)
  return new UNAUTHORIZED()
}

/**
 * Stops the request with `error`. done() with a falsy error goes on to the
 * route: a getUser that rejects with nothing (`throw undefined`) must still
 * stop it.
 */
function failWith (done: HookHandlerDoneFunction, error: unknown): void {
  done(error ? error as Error : new Error(`access-tokens: a guard failed with ${String(error)}`))
}

const REQUIRE_USER_KEYS = new Set(['optional', 'active', 'verified', 'superuser', 'apiKeys'])

/**
 * Throws a TypeError naming `where` unless `options` are requireUser options.
 * A misspelt or non-boolean requirement (`{ superusr: true }`,
 * `{ verified: 'yes' }`) would otherwise guard a route less than meant.
 */
export function checkRequireUserOptions (options: unknown, where: string): asserts options is RequireUserOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where} must be requireUser options: { optional, active, verified, superuser, scopes, apiKeys }`)
  }
  for (const [key, value] of Object.entries(options)) {
    if (key === 'scopes') {
      if (value !== undefined && (!Array.isArray(value) || !value.every(isScopeToken))) {
        throw new TypeError(`${where}: scopes must be an array of scope names (RFC 6749 scope tokens)`)
      }
      continue
    }
    if (!REQUIRE_USER_KEYS.has(key)) throw new TypeError(`${where}: unknown option ${key}`)
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${where}: ${key} must be true or false`)
  }
}

/** The user a guard set on the request, under the decorator's name (an option). */
export function decoratedUser (request: FastifyRequest, decorator: string): unknown {
  return Reflect.get(request, decorator)
}

/** Builds `requireUser(options)` hooks that share one store, transport and decorator. */
export function createGuards (store: TokenStore, transport: Transport, decorator: string): (options?: RequireUserOptions) => AuthHook {
  return function requireUser (options = {}) {
    checkRequireUserOptions(options, 'requireUser options')
    const optional = options.optional === true
    const active = options.active !== false
    const verified = options.verified === true
    const superuser = options.superuser === true
    const scopes = [...new Set(options.scopes ?? [])]
    const apiKeys = options.apiKeys !== false
    // RFC 6750 section 3.1: the scopes the route needs, in the challenge.
    const scopeChallenge = `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"`

    /**
     * What the request's credential is worth: its verified token, null for
     * a bad one, undefined when it carries none. A promise only when the
     * database must be asked. Throws when a cookie comes from a foreign origin.
     */
    function find (request: FastifyRequest): Verified | null | undefined | Promise<Verified | null> {
      // A request of a scope created before the plugin decorated requests (a
      // scope registered before it, beside it) has neither decorator: they
      // read null here as everywhere else.
      if (request.accessToken === undefined) {
        request.accessToken = null
        Reflect.set(request, decorator, null)
      }
      const credential = transport.read(request)
      if (credential === null) return undefined
      // Decided before any query: a forged cross-site request costs nothing.
      if (credential.via === 'cookie' && isUnsafeMethod(request.method) && !transport.isSameOrigin(request)) {
        throw new CSRF_FAILED()
      }
      // Another guard of this request verified the token already.
      if (request.accessToken !== null) return { user: decoratedUser(request, decorator), session: request.accessToken }
      if (credential.token === null) return null
      const digest = hashToken(credential.token)
      return store.cachedDigest(digest) ?? store.verifyDigest(digest)
    }

    /** Lets the request through (the decorators set) or throws the refusal. */
    function decide (request: FastifyRequest, reply: FastifyReply, found: Verified | null | undefined): void {
      if (found === undefined) {
        if (optional) return
        throw unauthorized(reply, false)
      }
      // An inactive user is refused like a bad token, or is anonymous where
      // anonymity is allowed.
      // The flags are read as login reads them (lib/flags.ts): a 0 from an
      // integer column is inactive here too.
      if (found === null || (active && !isActiveUser(found.user as object))) {
        if (optional) return
        throw unauthorized(reply, true)
      }
      // A key that fails these is refused even where anonymity is allowed:
      // it is a credential presented for what it cannot do.
      const granted = found.session.scopes
      if (granted !== null) {
        if (!apiKeys) throw new FORBIDDEN()
        if (scopes.some((scope) => !granted.includes(scope))) {
          reply.header('www-authenticate', scopeChallenge)
          throw new INSUFFICIENT_SCOPE()
        }
      }
      const user = found.user as object
      // The decorator's name is an option: written by name.
      Reflect.set(request, decorator, user)
      request.accessToken = found.session
      if (verified && !isVerifiedUser(user)) throw new FORBIDDEN()
      if (superuser && !isSuperuserUser(user)) throw new FORBIDDEN()
    }

    // Fastify passes `done`: a request the cache or another guard answers
    // is decided at once, with no promise and no turn of the microtask
    // queue. Called without it (`await app.authenticate(request, reply)`),
    // it returns a promise.
    function requireUserHook (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
    function requireUserHook (request: FastifyRequest, reply: FastifyReply): Promise<void>
    function requireUserHook (request: FastifyRequest, reply: FastifyReply, done?: HookHandlerDoneFunction): Promise<void> | undefined {
      if (done === undefined) {
        return new Promise((resolve, reject) => {
          requireUserHook(request, reply, (error?: Error) => { error === undefined ? resolve() : reject(error) })
        })
      }
      let found
      try {
        found = find(request)
        if (!(found instanceof Promise)) decide(request, reply, found)
      } catch (error) {
        failWith(done, error)
        return
      }
      if (found instanceof Promise) {
        found.then((answer) => { decide(request, reply, answer) }).then(() => { done() }, (error: unknown) => { failWith(done, error) })
      } else {
        done()
      }
    }
    return requireUserHook
  }
}
