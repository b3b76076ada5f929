import type { FastifyReply, FastifyRequest } from 'fastify'
import type {} from '@fastify/cookie'
import { isApiKey, isTokenShaped } from './token.js'

/** A credential as read from a request: where it came from, and the secret or null when malformed. */
export interface Credential {
  via: 'bearer' | 'cookie'
  token: string | null
}

export interface Transport {
  /** The request's credential; null when it carries none. */
  read(request: FastifyRequest): Credential | null
  /** Whether a request that authenticates by cookie comes from our own origin. */
  isSameOrigin(request: FastifyRequest): boolean
  /** Whether a login may set a cookie for this request (login CSRF). */
  isLoginAllowed(request: FastifyRequest): boolean
  /** Sets the token cookie (no-op without the cookie transport). */
  write(reply: FastifyReply, token: string): void
  /** Clears the token cookie (no-op without the cookie transport). */
  clear(reply: FastifyReply): void
}

// RFC 9110 section 9.2.1: these methods are safe and may not change state,
// so only the others need the origin check.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

export function isUnsafeMethod (method: string): boolean {
  return !SAFE_METHODS.has(method)
}

/** A secret when the value can be one; null otherwise, so no query is made for it. */
function shaped (value: string): string | null {
  return isTokenShaped(value) ? value : null
}

/**
 * `Authorization: Bearer <token>` (RFC 6750), the scheme case-insensitive
 * (RFC 9110 section 11.1). Undefined when the header uses another scheme.
 */
function readBearer (header: string | undefined, keyPrefix: string | null): Credential | undefined {
  if (typeof header !== 'string') return undefined
  const space = header.indexOf(' ')
  const scheme = space === -1 ? header : header.slice(0, space)
  if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') return undefined
  if (space === -1) return { via: 'bearer', token: null }
  const value = header.slice(space + 1).trim()
  // An API key counts only with API keys on, and only with a good checksum.
  return { via: 'bearer', token: keyPrefix !== null && isApiKey(value, keyPrefix) ? value : shaped(value) }
}

/**
 * How many cookies named `name` a Cookie header carries. A browser sends
 * every cookie that matches the request, so a name can come twice: one set
 * by this server, and one planted by a sibling subdomain (or a path of its
 * own) for the parent domain. Which comes first is the attacker's to choose.
 */
function countCookies (header: string, name: string): number {
  let count = 0
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=')
    if ((equals === -1 ? pair : pair.slice(0, equals)).trim() === name) count++
  }
  return count
}

/** The token cookie's settings, every default filled in. */
export interface CookieSettings {
  name: string
  path: string
  domain: string | undefined
  secure: boolean | 'auto'
  httpOnly: boolean
  sameSite: 'lax' | 'strict' | 'none'
}

/** What the transports are chosen from: the resolved options they read. */
export interface TransportOptions {
  bearer: boolean
  cookie: CookieSettings | null
  trustedOrigins: Set<string>
  lifetimeSeconds: number | null
  apiKeys: { prefix: string } | null
}

/** Reading, writing and clearing credentials, chosen once from the options. */
export function createTransport (options: TransportOptions): Transport {
  const { bearer, cookie, trustedOrigins } = options
  const cookieName = cookie?.name ?? null
  const keyPrefix = options.apiKeys?.prefix ?? null

  function read (request: FastifyRequest): Credential | null {
    // A Bearer header wins over the cookie: it was set on purpose for this request.
    if (bearer) {
      const fromHeader = readBearer(request.headers.authorization, keyPrefix)
      if (fromHeader !== undefined) return fromHeader
    }
    if (cookieName !== null) {
      // Only a login's token: an API key in a cookie is malformed.
      // Cookie tossing: the name twice is a bad token, never the first of
      // the two. The cheap test first: one occurrence of the name at most.
      const header = request.headers.cookie
      if (typeof header === 'string' && header.indexOf(cookieName) !== header.lastIndexOf(cookieName) &&
        countCookies(header, cookieName) > 1) {
        return { via: 'cookie', token: null }
      }
      const value = request.cookies?.[cookieName]
      if (typeof value === 'string' && value !== '') return { via: 'cookie', token: shaped(value) }
    }
    return null
  }

  function isAllowedOrigin (request: FastifyRequest, origin: string): boolean {
    return origin === `${request.protocol}://${request.host}` || trustedOrigins.has(origin)
  }

  // Cookies ride along on cross-site requests; a browser says where a
  // request comes from in Origin (or, without it, Sec-Fetch-Site). A request
  // that proves neither is refused: that is what a forged form post looks like.
  function isSameOrigin (request: FastifyRequest): boolean {
    const origin = request.headers.origin
    if (typeof origin === 'string') return isAllowedOrigin(request, origin)
    return request.headers['sec-fetch-site'] === 'same-origin'
  }

  // Login CSRF: a foreign page must not sign a browser into the attacker's
  // account. Clients that are no browser send neither header and may log in.
  function isLoginAllowed (request: FastifyRequest): boolean {
    if (cookieName === null) return true
    const origin = request.headers.origin
    if (typeof origin === 'string') return isAllowedOrigin(request, origin)
    const site = request.headers['sec-fetch-site']
    return site === undefined || site === 'same-origin' || site === 'none'
  }

  const maxAge = options.lifetimeSeconds ?? undefined
  function write (reply: FastifyReply, token: string): void {
    if (cookie === null) return
    reply.setCookie(cookie.name, token, {
      path: cookie.path,
      domain: cookie.domain,
      secure: cookie.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      // Without a lifetime the cookie lasts for the browser session.
      maxAge
    })
  }

  function clear (reply: FastifyReply): void {
    if (cookie === null) return
    reply.clearCookie(cookie.name, {
      path: cookie.path,
      domain: cookie.domain,
      secure: cookie.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite
    })
  }

  return { read, isSameOrigin, isLoginAllowed, write, clear }
}
