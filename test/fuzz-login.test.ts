// Property tests: random and adversarial login bodies, JSON and form
// (wrong types, huge strings, unicode, nested objects, duplicated fields,
// prototype keys), with random User-Agent and Origin headers, never get a
// 5xx. The answer is 200 (204 with cookies only) exactly for the right email
// and password, 403 CSRF_FAILED for a cookie login from a foreign origin, and
// otherwise 400: LOGIN_BAD_CREDENTIALS or Fastify's own 400 (FST_ERR_*).
//
// Bodies that reach the built-in authenticate cost one scrypt each, so the
// runs are few; SEED in helpers/fuzz.ts changes which ones.
import assert from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import { drivers } from './helpers/databases.js'
import { buildApp, PASSWORD } from './helpers/app.js'
import { anyString, huge, nasty, settings, text } from './helpers/fuzz.js'

const EMAIL = 'a@example.com'
const OWN_ORIGIN = 'http://localhost:80'

// The real email in any letter case with blanks around, near misses, anything.
const username = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('', ' ', '\t'), fc.mixedCase(fc.constant(EMAIL)), fc.constantFrom('', ' ')).map((parts) => parts.join('')) },
  fc.constantFrom('b@example.com', 'a@example.co', `${EMAIL}\u0000`, '\u0000', 'a@exämple.com', 'á@example.com', `${EMAIL}\u200b`, 'a@example.com.', 'A@EXAMPLE.COM'),
  anyString
)
const password = fc.oneof(
  { weight: 3, arbitrary: fc.constant(PASSWORD) },
  fc.constantFrom(`${PASSWORD} `, ` ${PASSWORD}`, PASSWORD.toUpperCase(), `${PASSWORD}\u0000`, PASSWORD.slice(0, -1)),
  anyString
)
// Values of the wrong type, and structures that stress parsers.
const wrongType = fc.oneof(
  fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.integer({ min: 1, max: 200 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)))
)
const field = (good: fc.Arbitrary<string>): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 4, arbitrary: good },
  wrongType,
  fc.array(good, { minLength: 1, maxLength: 2 })
)
const otherKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'Username', 'user', 'email', ''), text)
type Entry = [string, unknown]
const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.tuple(fc.constant('username'), field(username)),
  fc.tuple(fc.constant('password'), field(password)),
  fc.tuple(otherKey, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ prototype: { polluted: true } })))
)

type JsonBody =
  | { form: 'login', entries: Entry[] }
  | { form: 'value', value: unknown }
  | { form: 'raw', text: string }
  | { form: 'deep', depth: number, inner: string }
const jsonBody: fc.Arbitrary<JsonBody> = fc.oneof(
  // username and password first, then maybe more, duplicates included.
  { weight: 4, arbitrary: fc.tuple(field(username), field(password), fc.array(entry, { maxLength: 3 })).map(([u, p, more]) => ({ form: 'login' as const, entries: [['username', u] as Entry, ['password', p] as Entry, ...more] })) },
  fc.record({ form: fc.constant('login' as const), entries: fc.array(entry, { maxLength: 5 }) }),
  fc.record({ form: fc.constant('value' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ form: fc.constant('raw' as const), text: fc.oneof(anyString, fc.constantFrom('', '{', '{"username":', 'null', '[]', '{}')) }),
  fc.record({
    form: fc.constant('deep' as const),
    depth: fc.integer({ min: 100, max: 20_000 }),
    inner: fc.constantFrom('"x"', '{"constructor":{"prototype":{}}}', '{"__proto__":{}}', '{"constructor":1}')
  })
)

function jsonText (body: JsonBody): string {
  switch (body.form) {
    // Written out by hand so duplicated keys and __proto__ stay in the text.
    case 'login': return `{${body.entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`
    case 'value': return JSON.stringify(body.value)
    case 'raw': return body.text
    case 'deep': return '{"username":'.repeat(body.depth) + body.inner + '}'.repeat(body.depth)
  }
}

type FormBody = { form: 'pairs', pairs: Array<[string, string]> } | { form: 'raw', text: string }
const formBody: fc.Arbitrary<FormBody> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(username, password, fc.array(fc.tuple(fc.oneof(fc.constantFrom('username', 'password'), otherKey), anyString), { maxLength: 3 })).map(([u, p, more]) => ({ form: 'pairs' as const, pairs: [['username', u] as [string, string], ['password', p] as [string, string], ...more] })) },
  fc.record({ form: fc.constant('pairs' as const), pairs: fc.array(fc.tuple(fc.oneof(fc.constantFrom('username', 'password'), otherKey), anyString), { maxLength: 5 }) }),
  fc.record({ form: fc.constant('raw' as const), text: fc.oneof(anyString, fc.constantFrom('', '=', '&&', 'username', 'username=&password=', '%', 'username=%zz&password=%')) })
)

/** Percent-encodes the UTF-8 bytes of a string; a lone surrogate goes as U+FFFD, as any client would send it. */
function percent (value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
}

function formText (body: FormBody): string {
  return body.form === 'raw' ? body.text : body.pairs.map(([key, value]) => `${percent(key)}=${percent(value)}`).join('&')
}

/** Any object anywhere with __proto__, or a constructor with a prototype: Fastify refuses the whole body. */
function poisoned (root: unknown): boolean {
  // A loop, not recursion: bodies nest deeper than the call stack.
  const pending = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value !== 'object' || value === null) continue
    if (Object.hasOwn(value, '__proto__')) return true
    const constructor = Object.hasOwn(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined
    if (typeof constructor === 'object' && constructor !== null && Object.hasOwn(constructor, 'prototype')) return true
    pending.push(...Object.values(value))
  }
  return false
}

/** What the schema makes of a field: Fastify coerces scalars and one-item arrays to strings. */
function coerced (value: unknown): string | undefined {
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value
  if (typeof single === 'string') return single
  if (typeof single === 'number' || typeof single === 'boolean') return String(single)
  return undefined
}

/** Whether the body, as the server parses it, holds the right email and password. */
function rightCredentials (fields: { username?: unknown, password?: unknown } | null): boolean {
  if (fields === null) return false
  const user = coerced(fields.username)
  return user !== undefined && [...user].length <= 320 && user.trim().toLowerCase() === EMAIL && coerced(fields.password) === PASSWORD
}

function parsedJson (textBody: string): Record<string, unknown> | null {
  let value: unknown
  try {
    value = JSON.parse(textBody)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || poisoned(value)) return null
  return value as Record<string, unknown>
}

function parsedForm (body: FormBody): Record<string, unknown> | null {
  // Repeated keys become arrays, which the schema refuses when longer than one.
  if (body.form === 'raw') return null
  const fields = new Map<string, string[]>()
  const sent = (value: string): string => Buffer.from(value, 'utf8').toString('utf8')
  for (const [key, value] of body.pairs) fields.set(sent(key), [...fields.get(sent(key)) ?? [], sent(value)])
  return { username: fields.get('username'), password: fields.get('password') }
}

const userAgent = fc.option(fc.oneof(anyString, nasty, huge), { nil: undefined })
const origin = fc.option(fc.oneof(
  { weight: 3, arbitrary: fc.constant(OWN_ORIGIN) },
  fc.constantFrom('http://evil.example', 'null', '', 'http://localhost'),
  text
), { nil: undefined })
const secFetchSite = fc.option(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none'), { nil: undefined })

const FASTIFY_400 = /^FST_ERR_[A-Z_]+$/

for (const driver of drivers) {
  t.test(`${driver}: random login bodies, JSON and form`, async (t) => {
    const { app, addUser } = await buildApp(t, { driver })
    await addUser({ email: EMAIL })
    const seen = new Set<string>()

    async function check (contentType: string, payload: string, right: boolean, agent: string | undefined): Promise<void> {
      const headers: Record<string, string> = { 'content-type': contentType }
      if (agent !== undefined) headers['user-agent'] = agent
      const response = await app.inject({ method: 'POST', url: '/auth/login', headers, payload })
      const body = response.json()
      seen.add(`${response.statusCode} ${body.code ?? ''}`.trim())
      if (right) {
        assert.equal(response.statusCode, 200)
        assert.match(body.access_token, /^[A-Za-z0-9_-]{43}$/)
        return
      }
      assert.equal(response.statusCode, 400)
      assert.ok(body.code === 'LOGIN_BAD_CREDENTIALS' || FASTIFY_400.test(body.code), body.code)
    }

    const login = (...entries: Entry[]): JsonBody => ({ form: 'login', entries })
    await fc.assert(fc.asyncProperty(jsonBody, userAgent, async (body, agent) => {
      const payload = jsonText(body)
      await check('application/json', payload, rightCredentials(parsedJson(payload)), agent)
    }), settings<[JsonBody, string | undefined]>(40, [
      [{ form: 'raw', text: '' }, undefined],
      [login(['username', ' A@Example.COM '], ['password', PASSWORD]), 'a\u0000b'],
      // MySQL's collation takes 'ä' for 'a'; the email is still another one.
      [login(['username', 'a@exämple.com'], ['password', PASSWORD]), undefined],
      // PostgreSQL text cannot hold NUL.
      [login(['username', `${EMAIL}\u0000`], ['password', PASSWORD]), undefined],
      [login(['username', 'x'], ['password', PASSWORD], ['username', EMAIL]), undefined],
      [login(['username', EMAIL], ['password', PASSWORD], ['__proto__', { isSuperuser: true }]), undefined],
      [login(['username', [EMAIL]], ['password', PASSWORD]), undefined]
    ]))
    await fc.assert(fc.asyncProperty(formBody, userAgent, async (body, agent) => {
      await check('application/x-www-form-urlencoded', formText(body), rightCredentials(parsedForm(body)), agent)
    }), settings(25))

    t.pass('every answer as the contract says')
    // The cases reached the outcomes that matter.
    t.match([...seen].sort(), ['200', '400 FST_ERR_CTP_EMPTY_JSON_BODY', '400 FST_ERR_CTP_INVALID_JSON_BODY', '400 FST_ERR_VALIDATION', '400 LOGIN_BAD_CREDENTIALS'])
  })

  t.test(`${driver}: random login bodies and origins with cookies only`, async (t) => {
    const { app, addUser } = await buildApp(t, { driver, plugin: { bearer: false, cookie: { secure: false } } })
    await addUser({ email: EMAIL })
    const seen = new Set<number>()

    await fc.assert(fc.asyncProperty(jsonBody, origin, secFetchSite, async (body, from, site) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (from !== undefined) headers.origin = from
      if (site !== undefined) headers['sec-fetch-site'] = site
      const payload = jsonText(body)
      const response = await app.inject({ method: 'POST', url: '/auth/login', headers, payload })
      seen.add(response.statusCode)
      const allowed = from !== undefined ? from === OWN_ORIGIN : site === undefined || site === 'same-origin' || site === 'none'
      if (rightCredentials(parsedJson(payload))) {
        assert.equal(response.statusCode, allowed ? 204 : 403)
        if (allowed) assert.match(String(response.headers['set-cookie']), /^access_token=[A-Za-z0-9_-]{43};/)
        else assert.equal(response.json().code, 'CSRF_FAILED')
        return
      }
      // A body that fails validation is refused before the origin is looked at.
      assert.ok([400, 403].includes(response.statusCode), String(response.statusCode))
      assert.equal(response.headers['set-cookie'], undefined)
      const { code } = response.json()
      if (response.statusCode === 403) {
        assert.equal(code, 'CSRF_FAILED')
        assert.equal(allowed, false)
      } else {
        assert.ok(code === 'LOGIN_BAD_CREDENTIALS' || FASTIFY_400.test(code), code)
      }
    }), settings(30))

    t.pass('every answer as the contract says')
    t.match([...seen].sort(), [204, 400, 403])
  })
}
