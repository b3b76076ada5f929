// API keys through the routes, on every dialect: create, use, list, revoke,
// scopes, which token may call what, and bad input.
import t from 'tap'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, type TestApp } from './helpers/app.js'
import { rowOf } from './helpers/token-rows.js'
import { hashToken } from '../index.js'

const KEY_SHAPE = /^fat_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$/

type App = TestApp['app']

async function createKey (app: App, login: string, body: Record<string, unknown>): Promise<{ statusCode: number, json: any, headers: Record<string, unknown> }> {
  const response = await app.inject({ method: 'POST', url: '/auth/api-keys', headers: bearer(login), payload: body })
  return { statusCode: response.statusCode, json: response.json(), headers: response.headers }
}

function withRoutes (app: App): void {
  app.get('/notes', { config: { auth: { scopes: ['notes:read'] } } }, async (request) => ({ kind: request.accessToken!.kind, scopes: request.accessToken!.scopes }))
  app.get('/notes-write', { onRequest: app.requireUser({ scopes: ['notes:read', 'notes:write'] }) }, async () => ({ ok: true }))
  app.get('/logins-only', { config: { auth: { apiKeys: false } } }, async () => ({ ok: true }))
  app.get('/maybe', { config: { auth: { optional: true, scopes: ['notes:read'] } } }, async (request) => ({ user: request.user?.email ?? null }))
  app.get('/maybe-logins', { config: { auth: { optional: true, apiKeys: false } } }, async (request) => ({ user: request.user?.email ?? null }))
  app.get('/order', { config: { auth: { apiKeys: false, scopes: ['admin'] } } }, async () => ({ ok: true }))
  app.get('/verified-scoped', { config: { auth: { verified: true, scopes: ['notes:read'] } } }, async () => ({ ok: true }))
}

for (const driver of drivers) {
  t.test(`${driver}: create a key, use it, list it, revoke it`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true }, routes: withRoutes })
    const { app } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const login = await built.login('ann@example.com')

    const created = await createKey(app, login, { name: 'CI deploy', scopes: ['notes:read'], expiresInSeconds: 3600 })
    t.equal(created.statusCode, 201)
    t.equal(created.headers['cache-control'], 'no-store')
    const key = created.json.token as string
    t.match(key, KEY_SHAPE, 'prefix, 256 random bits, checksum')
    t.same(Object.keys(created.json).sort(), ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'scopes', 'token'])
    t.equal(created.json.id, hashToken(key), 'the id is the digest')
    t.equal(created.json.name, 'CI deploy')
    t.same(created.json.scopes, ['notes:read'])
    t.equal(Date.parse(created.json.expiresAt) - Date.parse(created.json.createdAt), 3600_000)
    t.equal(created.json.lastUsedAt, null)
    const row = await rowOf(built.tdb, key) as unknown as Record<string, unknown>
    t.equal(row.kind, 'api-key')
    t.equal(row.scopes, 'notes:read')
    t.equal(row.token, hashToken(key), 'only the digest is stored')

    const me = await app.inject({ url: '/me', headers: bearer(key) })
    t.equal(me.statusCode, 200, 'a key resolves request.user')
    t.equal(me.json().email, 'ann@example.com')
    const notes = await app.inject({ url: '/notes', headers: bearer(key) })
    t.same(notes.json(), { kind: 'api-key', scopes: ['notes:read'] })

    const listed = await app.inject({ url: '/auth/api-keys', headers: bearer(login) })
    t.equal(listed.statusCode, 200)
    t.equal(listed.headers['cache-control'], 'no-store')
    t.equal(listed.json().length, 1)
    t.equal(listed.json()[0].id, created.json.id)
    t.notOk('token' in listed.json()[0], 'no key in the list')
    t.notOk(listed.body.includes(key), 'no secret in the list')
    t.ok(listed.json()[0].lastUsedAt !== null, 'the use was recorded')

    // The login sessions list holds logins only.
    const sessions = await app.inject({ url: '/auth/sessions', headers: bearer(login) })
    t.same(sessions.json().map((s: { id: string }) => s.id), [hashToken(login)])
    t.same((await app.accessTokens.list(userId)).map((s) => s.kind), ['session'])

    const revoked = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${created.json.id}`, headers: bearer(login) })
    t.equal(revoked.statusCode, 204)
    t.equal(revoked.headers['cache-control'], 'no-store')
    t.equal((await app.inject({ url: '/me', headers: bearer(key) })).statusCode, 401, 'a revoked key is refused')
    const again = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${created.json.id}`, headers: bearer(login) })
    t.equal(again.statusCode, 404)
    t.equal(again.json().code, 'API_KEY_NOT_FOUND')
  })

  t.test(`${driver}: keys are listed newest first, and are the user's own`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true } })
    const { app } = built
    await built.addUser({ email: 'ann@example.com', quickHash: true })
    await built.addUser({ email: 'bob@example.com', quickHash: true })
    const ann = await built.login('ann@example.com')
    const bob = await built.login('bob@example.com')
    const first = (await createKey(app, ann, { name: 'one' })).json
    await new Promise((resolve) => setTimeout(resolve, 5))
    const second = (await createKey(app, ann, { name: 'two' })).json
    const bobs = (await createKey(app, bob, { name: 'one' })).json
    t.same(first.scopes, [], 'no scopes when left out')
    t.equal(first.expiresAt, null, 'never expires without a maximum')
    const never = await createKey(app, ann, { name: 'never', expiresInSeconds: null })
    t.equal(never.statusCode, 201, 'null asks for a key that never expires')
    t.equal(never.json.expiresAt, null)
    const century = await createKey(app, ann, { name: 'too long', expiresInSeconds: 100 * 365 * 24 * 3600 + 1 })
    t.equal(century.statusCode, 400, 'at most 100 years without a maximum')
    t.equal(century.json.code, 'INVALID_LIFETIME')
    t.equal((await app.inject({ method: 'DELETE', url: `/auth/api-keys/${never.json.id}`, headers: bearer(ann) })).statusCode, 204)
    t.same((await app.inject({ url: '/auth/api-keys', headers: bearer(ann) })).json().map((k: { name: string }) => k.name), ['two', 'one'])
    // Someone else's key: the answer of a key that does not exist.
    const foreign = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${bobs.id}`, headers: bearer(ann) })
    t.equal(foreign.statusCode, 404)
    t.equal((await app.inject({ url: '/me', headers: bearer(bobs.token) })).statusCode, 200, "bob's key stays")
    // A login session id is no API key id.
    const sessionId = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${hashToken(ann)}`, headers: bearer(ann) })
    t.equal(sessionId.statusCode, 404)
    t.equal((await app.inject({ url: '/me', headers: bearer(ann) })).statusCode, 200, 'the login stays')
    // And an API key id is no session id.
    const keyAsSession = await app.inject({ method: 'DELETE', url: `/auth/sessions/${second.id}`, headers: bearer(ann) })
    t.equal(keyAsSession.statusCode, 404)
    t.equal((await app.inject({ url: '/me', headers: bearer(second.token) })).statusCode, 200, 'the key stays')
  })

  t.test(`${driver}: what a key may call`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true }, routes: withRoutes })
    const { app } = built
    await built.addUser({ email: 'ann@example.com', quickHash: true })
    const login = await built.login('ann@example.com')
    const key = (await createKey(app, login, { name: 'a', scopes: ['notes:read'] })).json
    const sibling = (await createKey(app, login, { name: 'b' })).json

    for (const [method, url] of [['POST', '/auth/api-keys'], ['GET', '/auth/api-keys'], ['GET', '/auth/sessions'], ['DELETE', `/auth/sessions/${hashToken(login)}`], ['POST', '/auth/logout-all'], ['GET', '/logins-only']] as const) {
      const response = await app.inject({ method, url, headers: bearer(key.token), payload: method === 'POST' ? { name: 'x' } : undefined })
      t.equal(response.statusCode, 403, `${method} ${url}: logins only`)
      t.equal(response.json().code, 'FORBIDDEN')
    }
    t.equal((await app.inject({ url: '/me', headers: bearer(login) })).statusCode, 200, 'the login is untouched')
    t.equal((await app.inject({ url: '/logins-only', headers: bearer(login) })).statusCode, 200)

    // A key may not revoke a sibling, only itself.
    const siblingDelete = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${sibling.id}`, headers: bearer(key.token) })
    t.equal(siblingDelete.statusCode, 404)
    t.equal(siblingDelete.json().code, 'API_KEY_NOT_FOUND')
    t.equal((await app.inject({ url: '/me', headers: bearer(sibling.token) })).statusCode, 200)
    const self = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${key.id}`, headers: bearer(key.token) })
    t.equal(self.statusCode, 204)
    t.equal((await app.inject({ url: '/me', headers: bearer(key.token) })).statusCode, 401)
  })

  t.test(`${driver}: scopes`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true }, routes: withRoutes })
    const { app } = built
    await built.addUser({ email: 'ann@example.com', quickHash: true })
    const login = await built.login('ann@example.com')
    const reader = (await createKey(app, login, { name: 'r', scopes: ['notes:read'] })).json.token
    const writer = (await createKey(app, login, { name: 'w', scopes: ['notes:write', 'notes:read'] })).json.token
    const bare = (await createKey(app, login, { name: 'none' })).json.token

    const refused = await app.inject({ url: '/notes-write', headers: bearer(reader) })
    t.equal(refused.statusCode, 403)
    t.equal(refused.json().code, 'INSUFFICIENT_SCOPE')
    t.equal(refused.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="notes:read notes:write"')
    t.equal((await app.inject({ url: '/notes-write', headers: bearer(writer) })).statusCode, 200)
    t.equal((await app.inject({ url: '/notes-write', headers: bearer(login) })).statusCode, 200, 'a login has every scope')
    t.equal((await app.inject({ url: '/notes', headers: bearer(bare) })).statusCode, 403, 'a key without scopes')
    t.equal((await app.inject({ url: '/me', headers: bearer(bare) })).statusCode, 200, 'reaches routes that need none')

    // Optional routes: a key that fails is refused, not made anonymous.
    t.same((await app.inject({ url: '/maybe' })).json(), { user: null })
    t.same((await app.inject({ url: '/maybe', headers: bearer(reader) })).json(), { user: 'ann@example.com' })
    const optionalScope = await app.inject({ url: '/maybe', headers: bearer(bare) })
    t.equal(optionalScope.statusCode, 403)
    t.equal(optionalScope.json().code, 'INSUFFICIENT_SCOPE')
    const optionalLogins = await app.inject({ url: '/maybe-logins', headers: bearer(reader) })
    t.equal(optionalLogins.statusCode, 403)
    t.equal(optionalLogins.json().code, 'FORBIDDEN')
    t.same((await app.inject({ url: '/maybe-logins', headers: bearer(login) })).json(), { user: 'ann@example.com' })

    // Order: apiKeys, then scopes, then verified.
    const order = await app.inject({ url: '/order', headers: bearer(bare) })
    t.equal(order.json().code, 'FORBIDDEN', 'apiKeys before scopes')
    t.equal(order.headers['www-authenticate'], undefined)
    t.equal((await app.inject({ url: '/verified-scoped', headers: bearer(bare) })).json().code, 'INSUFFICIENT_SCOPE', 'scopes before verified')
    t.equal((await app.inject({ url: '/verified-scoped', headers: bearer(reader) })).json().code, 'FORBIDDEN', 'then verified')
  })

  t.test(`${driver}: logout-all ends logins and leaves keys`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true } })
    const { app } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const login = await built.login('ann@example.com')
    const other = await built.login('ann@example.com')
    const key = (await createKey(app, login, { name: 'k' })).json.token
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(login) })).statusCode, 204)
    t.equal((await app.inject({ url: '/me', headers: bearer(other) })).statusCode, 401)
    t.equal((await app.inject({ url: '/me', headers: bearer(key) })).statusCode, 200, 'the key stays')

    // revokeAll: every token, or only one kind.
    const again = await built.login('ann@example.com')
    t.equal(await app.accessTokens.revokeAll(userId, { kind: 'api-key' }), 1)
    t.equal((await app.inject({ url: '/me', headers: bearer(again) })).statusCode, 200)
    await app.accessTokens.createApiKey(userId, { name: 'k2' })
    t.equal(await app.accessTokens.revokeAll(userId), 2, 'a login and a key')
    await t.rejects(app.accessTokens.revokeAll(userId, { kind: 'other' as 'session' }), TypeError)
  })

  t.test(`${driver}: an inactive user's key is refused, and the user may still revoke it`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true } })
    const { app, tdb } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const login = await built.login('ann@example.com')
    const key = (await createKey(app, login, { name: 'k' })).json
    const { users } = tdb.schema
    const { eq } = await import('drizzle-orm')
    await tdb.db.update(users).set({ isActive: false }).where(eq(users.id, userId))
    t.equal((await app.inject({ url: '/me', headers: bearer(key.token) })).statusCode, 401)
    t.equal((await app.inject({ url: '/auth/api-keys', headers: bearer(login) })).statusCode, 401, 'listing needs an active user')
    t.equal((await app.inject({ method: 'DELETE', url: `/auth/api-keys/${key.id}`, headers: bearer(login) })).statusCode, 204)
  })

  t.test(`${driver}: bad input answers 400, never 500`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: { scopes: ['read', 'write'], maxLifetimeSeconds: 86400 } } })
    const { app } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const login = await built.login('ann@example.com')
    const cases: Array<[unknown, string]> = [
      [{}, 'INVALID_NAME'],
      [{ name: '' }, 'INVALID_NAME'],
      [{ name: 'x'.repeat(101) }, 'INVALID_NAME'],
      [{ name: 5 }, 'INVALID_NAME'],
      [{ name: ['a'] }, 'INVALID_NAME'],
      [{ name: 'a\u0000b' }, 'INVALID_NAME'],
      [[], 'INVALID_NAME'],
      ['name', 'INVALID_NAME'],
      [{ name: 'k', scopes: 'read' }, 'INVALID_SCOPE'],
      [{ name: 'k', scopes: [1] }, 'INVALID_SCOPE'],
      [{ name: 'k', scopes: ['admin'] }, 'INVALID_SCOPE'],
      [{ name: 'k', scopes: ['read write'] }, 'INVALID_SCOPE'],
      [{ name: 'k', scopes: null }, 'INVALID_SCOPE'],
      [{ name: 'k', scopes: Array(101).fill('read') }, 'INVALID_SCOPE'],
      [{ name: 'k', expiresInSeconds: '60' }, 'INVALID_LIFETIME'],
      [{ name: 'k', expiresInSeconds: 0 }, 'INVALID_LIFETIME'],
      [{ name: 'k', expiresInSeconds: 1.5 }, 'INVALID_LIFETIME'],
      [{ name: 'k', expiresInSeconds: 86401 }, 'INVALID_LIFETIME'],
      [{ name: 'k', expiresInSeconds: null }, 'INVALID_LIFETIME'],
      [{ name: 'k', expiresInSeconds: true }, 'INVALID_LIFETIME']
    ]
    for (const [body, code] of cases) {
      const response = await app.inject({ method: 'POST', url: '/auth/api-keys', headers: { ...bearer(login), 'content-type': 'application/json' }, payload: JSON.stringify(body) })
      t.equal(response.statusCode, 400, JSON.stringify(body).slice(0, 60))
      t.equal(response.json().code, code)
      t.equal(response.headers['cache-control'], 'no-store')
    }
    const empty = await app.inject({ method: 'POST', url: '/auth/api-keys', headers: bearer(login) })
    t.equal(empty.statusCode, 400, 'no body')
    t.equal(empty.json().code, 'INVALID_NAME')
    t.same(await app.accessTokens.listApiKeys(userId), [], 'nothing was created')

    // The longest name, duplicated scopes once, the maximum lifetime by default.
    const ok = await createKey(app, login, { name: 'x'.repeat(100), scopes: ['write', 'read', 'write'] })
    t.equal(ok.statusCode, 201)
    t.same(ok.json.scopes, ['write', 'read'])
    t.equal(Date.parse(ok.json.expiresAt) - Date.parse(ok.json.createdAt), 86400_000, 'maxLifetimeSeconds when left out')
    t.equal((await createKey(app, login, { name: 'y', expiresInSeconds: 86400 })).statusCode, 201)
  })
}
