// API keys: the option's validation, the key format, requireUser's scope
// options, logs and the OpenAPI document.
import t, { type Test } from 'tap'
import { crc32 as zlibCrc32 } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import accessTokens, { DEFAULT_API_KEY_PREFIX, errors, type AccessTokensOptions } from '../index.js'
import { resolveOptions } from '../lib/options.js'
import { crc32, generateApiKey, isApiKey } from '../lib/token.js'
import { openDatabase } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'

const database = {} as never

t.test('apiKeys options: defaults and INVALID_OPTION naming the option', async (t) => {
  t.equal(resolveOptions({ database }).apiKeys, null)
  t.equal(resolveOptions({ database, apiKeys: false }).apiKeys, null)
  t.same(resolveOptions({ database, apiKeys: true }).apiKeys, { prefix: 'fat_', scopes: null, maxLifetimeSeconds: null, maxPerUser: 100 })
  t.same(resolveOptions({ database, apiKeys: { prefix: 'acme_live_', scopes: ['a:b', 'c'], maxLifetimeSeconds: 60, maxPerUser: null } }).apiKeys,
    { prefix: 'acme_live_', scopes: new Set(['a:b', 'c']), maxLifetimeSeconds: 60, maxPerUser: null })
  const bad: Array<[unknown, RegExp]> = [
    ['yes', /apiKeys: must be true, false/],
    [[], /apiKeys: must be true, false/],
    [{ prefx: 'a' }, /apiKeys\.prefx: unknown option/],
    [{ prefix: '' }, /apiKeys\.prefix/],
    [{ prefix: 'a-b' }, /apiKeys\.prefix/],
    [{ prefix: 'x'.repeat(33) }, /apiKeys\.prefix/],
    [{ prefix: 5 }, /apiKeys\.prefix/],
    [{ scopes: 'read' }, /apiKeys\.scopes/],
    [{ scopes: ['a b'] }, /apiKeys\.scopes/],
    [{ scopes: ['a"b'] }, /apiKeys\.scopes/],
    [{ scopes: [''] }, /apiKeys\.scopes/],
    [{ maxLifetimeSeconds: 0 }, /apiKeys\.maxLifetimeSeconds/],
    [{ maxLifetimeSeconds: '60' }, /apiKeys\.maxLifetimeSeconds/],
    [{ maxPerUser: -1 }, /apiKeys\.maxPerUser/],
    [{ maxPerUser: 1.5 }, /apiKeys\.maxPerUser/]
  ]
  for (const [apiKeys, message] of bad) {
    t.throws(() => resolveOptions({ database, apiKeys }), { code: 'INVALID_OPTION', message }, JSON.stringify(apiKeys))
  }
  t.throws(() => resolveOptions({ database, apiKeys: true, bearer: false, cookie: true }), { code: 'INVALID_OPTION', message: /apiKeys: needs bearer/ })
})

t.test('the key format', async (t) => {
  for (const text of ['', 'a', 'The quick brown fox jumps over the lazy dog', 'fat_0123456789']) {
    t.equal(crc32(text), zlibCrc32(text), `CRC-32 of ${JSON.stringify(text)} as zlib computes it`)
  }
  t.equal(DEFAULT_API_KEY_PREFIX, 'fat_')
  // The regular expression the README gives to secret scanners.
  const readme = /\bfat_[0-9A-Za-z]{49}\b/
  const keys = Array.from({ length: 200 }, () => generateApiKey('fat_'))
  for (const key of keys.slice(0, 20)) {
    t.match(key, readme)
    t.equal(key.length, 53)
    t.ok(isApiKey(key, 'fat_'))
    t.notOk(isApiKey(key, 'fat'), 'another prefix')
  }
  t.equal(new Set(keys).size, keys.length, 'no repeats')
  // Every base62 character turns up in the random part: nothing is left out of the alphabet.
  const seen = new Set(keys.flatMap((key) => [...key.slice(4, 47)]))
  t.equal(seen.size, 62)
  const key = keys[0]
  // Any single change of a character is caught by the checksum.
  for (let i = 4; i < key.length; i++) {
    const changed = key.slice(0, i) + (key[i] === 'Z' ? 'Y' : 'Z') + key.slice(i + 1)
    t.notOk(isApiKey(changed, 'fat_'), `a change at ${i}`)
  }
  // A checksum that matches does not make a key of characters outside base62.
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  const signed = (body: string): string => {
    let value = crc32(body)
    let checksum = ''
    for (let i = 0; i < 6; i++) {
      checksum = alphabet[value % 62] + checksum
      value = Math.floor(value / 62)
    }
    return body + checksum
  }
  t.ok(isApiKey(signed(key.slice(0, 47)), 'fat_'), 'the test signs as generateApiKey does')
  for (const stranger of ['-', '_', 'é', '\u{1F511}'.slice(0, 1)]) {
    t.notOk(isApiKey(signed(`${key.slice(0, 20)}${stranger}${key.slice(21, 47)}`), 'fat_'), `a signed ${JSON.stringify(stranger)}`)
  }
  t.notOk(isApiKey(`${key.slice(0, 47)}00000-`, 'fat_'), 'a checksum outside base62')
  t.notOk(isApiKey(`${key.slice(0, 47)}zzzzzz`, 'fat_'), 'a checksum beyond 32 bits')
})

t.test('requireUser checks its scopes and apiKeys options', async (t) => {
  const { app } = await buildApp(t, { plugin: { apiKeys: true } })
  t.throws(() => app.requireUser({ scopes: 'read' as never }), TypeError)
  t.throws(() => app.requireUser({ scopes: ['a b'] }), /scopes must be an array of scope names/)
  t.throws(() => app.requireUser({ apiKeys: 'no' as never }), /apiKeys must be true or false/)
  t.type(app.requireUser({ scopes: ['read'], apiKeys: true }), 'function')
  t.type(app.requireUser({ scopes: undefined }), 'function')
  t.ok(errors.INSUFFICIENT_SCOPE !== undefined && errors.API_KEY_LIMIT_REACHED !== undefined)
})

t.test('no API key, no key id in the logs', async (t) => {
  const { lines, logger } = capturedLog()
  const built = await buildApp(t, { plugin: { apiKeys: true }, fastify: { logger } })
  await built.addUser({ email: 'log@example.com', quickHash: true })
  const login = await built.login('log@example.com')
  const created = await built.app.inject({ method: 'POST', url: '/auth/api-keys', headers: bearer(login), payload: { name: 'k' } })
  const { token, id } = created.json()
  await built.app.inject({ url: '/me', headers: bearer(token) })
  await built.app.inject({ url: '/auth/api-keys', headers: bearer(login) })
  const deleted = await built.app.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: bearer(login) })
  t.equal(deleted.statusCode, 204)
  const log = lines.join('')
  t.notOk(log.includes(token), 'no key')
  t.notOk(log.includes(id), 'no key id')
  const urls = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request').map((entry) => entry.req.url)
  t.ok(urls.includes('/auth/api-keys/[id]'))
})

/** An app with @fastify/swagger, then the plugin with `options`, then `routes`; its OpenAPI document. */
async function openApiDocument (t: Test, options: Partial<AccessTokensOptions>, routes: (app: FastifyInstance) => void): Promise<any> {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'test', version: '1.0.0' } } })
  await app.register(accessTokens, { database: tdb.db, ...options })
  routes(app)
  await app.ready()
  return app.swagger()
}

t.test('the OpenAPI document shows the API-key routes and the scopes routes need', async (t) => {
  const doc = await openApiDocument(t, { apiKeys: true }, (app) => {
    app.get('/notes', { config: { auth: { scopes: ['notes:read', 'notes:write'] } }, schema: { description: 'The notes.' } }, async () => [])
    app.get('/settings', { config: { auth: { apiKeys: false } } }, async () => ({}))
    app.get('/plain', { config: { auth: { verified: true } } }, async () => ({}))
  })
  t.ok(doc.paths['/auth/api-keys'].post.requestBody, 'POST /api-keys has a body')
  t.same(Object.keys(doc.paths['/auth/api-keys'].post.responses).sort(), ['201', '400', '401', '403', '409', '503'])
  t.ok(doc.paths['/auth/api-keys'].get.responses['200'])
  t.ok(doc.paths['/auth/api-keys/{id}'].delete.responses['404'])
  t.match(doc.paths['/auth/api-keys'].post.description, /Logins only/)
  t.match(doc.paths['/notes'].get.description, /^The notes\.\n\nScopes \(API keys\): `notes:read`, `notes:write`/)
  t.match(doc.paths['/settings'].get.description, /Logins only/)
  t.equal(doc.paths['/plain'].get.description, undefined, 'nothing asked of keys, nothing said')
  t.same(doc.paths['/notes'].get.security, [{ bearerAuth: [] }])
})

t.test('without the plugin\'s routes, a protected route still gets its description, and no security requirement', async (t) => {
  const doc = await openApiDocument(t, { routes: false }, (app) => {
    app.get('/settings', { config: { auth: { apiKeys: false } } }, async () => ({}))
  })
  t.match(doc.paths['/settings'].get.description, /^Logins only/)
  t.equal(doc.paths['/settings'].get.security, undefined, 'no scheme is declared to point at')
})
