// Property tests: random and adversarial Authorization, Cookie, Origin and
// Sec-Fetch-Site headers never get a 5xx. Each answer is the one the contract
// gives: 200/204 for the real token sent the right way, 401 UNAUTHORIZED
// (with its WWW-Authenticate challenge) for anything else, 403 CSRF_FAILED
// for a cookie-authenticated unsafe request from a foreign origin.
//
// app.inject() passes any string as a header value, including bytes that
// Node's HTTP parser refuses before Fastify sees them (NUL, CR, LF, other
// controls); the plugin is tested on that superset.
import assert from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import { drivers } from './helpers/databases.js'
import { buildApp } from './helpers/app.js'
import { anyString, credential, credentialValue, nasty, settings, text, type Credential } from './helpers/fuzz.js'

const OWN_ORIGIN = 'http://localhost:80'

const scheme = fc.oneof(
  fc.mixedCase(fc.constant('bearer')),
  fc.constantFrom('Bearer', 'Basic', 'Token', 'Bearer:', 'Bearerx', 'Bear', ''),
  text
)
type Authorization = { form: 'scheme', scheme: string, separator: string, credential: Credential } | { form: 'raw', credential: Credential }
const authorization: fc.Arbitrary<Authorization> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ form: fc.constant('scheme' as const), scheme, separator: fc.constantFrom(' ', '  ', '\t', '', ': ', ' \t'), credential }) },
  fc.record({ form: fc.constant('raw' as const), credential })
)

const cookieName = fc.oneof(
  { weight: 4, arbitrary: fc.constant('access_token') },
  fc.constantFrom('Access_Token', 'access_token ', ' access_token', 'access-token', 'access_token\t', 'access_token;'),
  text
)
type Cookie = { form: 'pairs', pairs: Array<{ name: string, equals: string, credential: Credential }>, separator: string } | { form: 'raw', credential: Credential }
const cookie: fc.Arbitrary<Cookie> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      form: fc.constant('pairs' as const),
      pairs: fc.array(fc.record({ name: cookieName, equals: fc.constantFrom('=', ' = ', '=='), credential }), { minLength: 1, maxLength: 4 }),
      separator: fc.constantFrom('; ', ';', ', ', ' ; ')
    })
  },
  fc.record({ form: fc.constant('raw' as const), credential })
)

// The own origin comes often enough for cookie logouts to succeed now and then.
const origin = fc.option(fc.oneof(
  { weight: 3, arbitrary: fc.constant(OWN_ORIGIN) },
  fc.constantFrom('http://localhost', 'https://localhost:80', 'http://evil.example', 'null', '', `${OWN_ORIGIN}/`, ` ${OWN_ORIGIN}`),
  anyString
), { nil: undefined })
const secFetchSite = fc.option(fc.oneof(
  { weight: 2, arbitrary: fc.constant('same-origin') },
  fc.constantFrom('same-site', 'cross-site', 'none', 'SAME-ORIGIN'),
  text,
  nasty
), { nil: undefined })

function authorizationValue (token: string, value: Authorization): string {
  return value.form === 'raw'
    ? credentialValue(token, value.credential)
    : `${value.scheme}${value.separator}${credentialValue(token, value.credential)}`
}

function cookieValue (token: string, value: Cookie): string {
  return value.form === 'raw'
    ? credentialValue(token, value.credential)
    : value.pairs.map((pair) => `${pair.name}${pair.equals}${credentialValue(token, pair.credential)}`).join(value.separator)
}

/**
 * The contract's reading of Authorization: the Bearer scheme, case-insensitive,
 * then a space and the token (surrounding whitespace ignored). Another scheme
 * is no bearer credential at all.
 */
function bearerOf (header: string | undefined): { presented: boolean, token: string | null } {
  if (header === undefined) return { presented: false, token: null }
  const space = header.indexOf(' ')
  const name = space === -1 ? header : header.slice(0, space)
  if (name.toLowerCase() !== 'bearer') return { presented: false, token: null }
  return { presented: true, token: space === -1 ? null : header.slice(space + 1).trim() }
}

/** Counts the answers a property saw, so a test can show its cases were varied. */
function tally (): { seen(outcome: string): void, counts: Record<string, number> } {
  const counts: Record<string, number> = {}
  return { seen: (outcome) => { counts[outcome] = (counts[outcome] ?? 0) + 1 }, counts }
}

/** Whether a Cookie header names access_token more than once. */
function cookieNameTwice (header: string | undefined): boolean {
  if (header === undefined) return false
  return header.split(';').filter((pair) => pair.split('=')[0].trim() === 'access_token').length > 1
}

for (const driver of drivers) {
  t.test(`${driver}: random Authorization and Cookie headers on a protected GET`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver, plugin: { cookie: { secure: false } } })
    const id = await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    const { seen, counts } = tally()

    // Assertions inside the property throw, so fast-check shrinks a failure
    // to its smallest case and prints it (as a description, not a token).
    await fc.assert(fc.asyncProperty(fc.option(authorization, { nil: undefined }), fc.option(cookie, { nil: undefined }), async (auth, jar) => {
      const headers: Record<string, string> = {}
      if (auth !== undefined) headers.authorization = authorizationValue(token, auth)
      if (jar !== undefined) headers.cookie = cookieValue(token, jar)
      const response = await app.inject({ url: '/me', headers })

      // A Bearer header wins; otherwise the cookie as @fastify/cookie parses it.
      const bearer = bearerOf(headers.authorization)
      const fromCookie = headers.cookie === undefined ? undefined : app.parseCookie(headers.cookie).access_token
      // The name twice (cookie tossing) is a bad token, whatever the values.
      const tossed = !bearer.presented && cookieNameTwice(headers.cookie)
      const presented = bearer.presented || tossed || (typeof fromCookie === 'string' && fromCookie !== '')
      const sent = bearer.presented ? bearer.token : tossed ? undefined : fromCookie
      seen(`${response.statusCode}${bearer.presented ? ' bearer' : ''}${presented ? '' : ' no credential'}`)
      if (presented && sent === token) {
        assert.equal(response.statusCode, 200)
        assert.equal(response.json().id, id)
        return
      }
      assert.equal(response.statusCode, 401)
      assert.equal(response.json().code, 'UNAUTHORIZED')
      assert.equal(response.headers['www-authenticate'], presented ? 'Bearer error="invalid_token"' : 'Bearer')
    }), settings(300))
    t.pass('every answer as the contract says')
    // The cases reached every kind of answer.
    t.match(Object.keys(counts).sort(), ['200', '200 bearer', '401', '401 bearer', '401 no credential'])
  })

  t.test(`${driver}: random credentials, Origin and Sec-Fetch-Site on POST /auth/logout`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver, plugin: { cookie: { secure: false } } })
    const id = await addUser({ email: 'a@example.com' })
    let token = await login('a@example.com')
    const { seen, counts } = tally()

    await fc.assert(fc.asyncProperty(
      fc.option(authorization, { nil: undefined }), fc.option(cookie, { nil: undefined }), origin, secFetchSite,
      async (auth, jar, from, site) => {
        const headers: Record<string, string> = {}
        if (auth !== undefined) headers.authorization = authorizationValue(token, auth)
        if (jar !== undefined) headers.cookie = cookieValue(token, jar)
        if (from !== undefined) headers.origin = from
        if (site !== undefined) headers['sec-fetch-site'] = site
        const response = await app.inject({ method: 'POST', url: '/auth/logout', headers })

        const bearer = bearerOf(headers.authorization)
        const fromCookie = headers.cookie === undefined ? undefined : app.parseCookie(headers.cookie).access_token
        const tossed = !bearer.presented && cookieNameTwice(headers.cookie)
        const viaCookie = !bearer.presented && (tossed || (typeof fromCookie === 'string' && fromCookie !== ''))
        const sameOrigin = from !== undefined ? from === OWN_ORIGIN : site === 'same-origin'
        const sent = bearer.presented ? bearer.token : viaCookie && !tossed ? fromCookie : undefined
        let expected = 401
        if (viaCookie && !sameOrigin) expected = 403
        else if (sent === token) expected = 204
        seen(`${response.statusCode}${viaCookie ? ' cookie' : ''}`)
        assert.equal(response.statusCode, expected)
        if (response.statusCode === 204) {
          assert.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 401)
          token = (await app.accessTokens.issue(id)).token
        } else {
          assert.equal(response.json().code, expected === 403 ? 'CSRF_FAILED' : 'UNAUTHORIZED')
        }
      }), settings(300))
    t.pass('every answer as the contract says')
    t.match(Object.keys(counts).sort(), ['204', '204 cookie', '401', '401 cookie', '403 cookie'])
  })
}
