// API keys in the store, on every dialect: lifetimes, limits under
// concurrency, pruning, maxTokensPerUser, and refusals without a query.
import t from 'tap'
import { drivers, openDatabase } from './helpers/databases.js'
import { failingDatabase } from './helpers/failing-database.js'
import { buildApp, bearer } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { secondPool } from './helpers/second-pool.js'
import { tokenRows } from './helpers/token-rows.js'
import { hashToken } from '../index.js'

const HOUR = 3600_000

/** A key's last checksum character changed: the same length and alphabet, a wrong checksum. */
function badChecksum (key: string): string {
  const last = key.at(-1) === 'a' ? 'b' : 'a'
  return key.slice(0, -1) + last
}

for (const driver of drivers) {
  t.test(`${driver}: a key has its own expiry: no lifetime, no idle timeout`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { apiKeys: true, lifetimeSeconds: 60, idleTimeoutSeconds: 30 } })
    const { app } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const forever = await app.accessTokens.createApiKey(userId, { name: 'forever' })
    const hour = await app.accessTokens.createApiKey(userId, { name: 'hour', expiresInSeconds: 3600 })
    t.equal(forever.session.kind, 'api-key')
    t.equal(forever.session.name, 'forever')
    t.same(forever.session.scopes, [])
    t.equal(forever.session.expiresAt, null)
    t.equal(hour.session.expiresAt!.getTime(), clock.now() + HOUR)
    const login = await app.accessTokens.issue(userId)

    clock.advance(HOUR - 1000)
    t.equal((await app.inject({ url: '/me', headers: bearer(login.token) })).statusCode, 401, 'the login is long gone')
    t.equal((await app.inject({ url: '/me', headers: bearer(hour.token) })).statusCode, 200, 'idle for an hour, still valid')
    const verified = await app.accessTokens.verify(hour.token)
    t.equal(verified!.session.expiresAt!.getTime(), hour.session.expiresAt!.getTime(), 'a use does not move the expiry')
    clock.advance(1000)
    t.equal((await app.inject({ url: '/me', headers: bearer(hour.token) })).statusCode, 200, 'valid at its expiry instant')
    clock.advance(1)
    t.equal((await app.inject({ url: '/me', headers: bearer(hour.token) })).statusCode, 401, 'expired after')
    clock.advance(100 * HOUR)
    t.equal((await app.inject({ url: '/me', headers: bearer(forever.token) })).statusCode, 200, 'a key without expiry')
    t.same((await app.accessTokens.listApiKeys(userId)).map((key) => key.name), ['forever'], 'expired keys are not listed')

    // Pruning deletes the expired key and the expired login, and keeps the live key.
    t.equal(await app.accessTokens.pruneExpired(), 2)
    t.same((await tokenRows(built.tdb)).map((row) => row.token), [forever.session.id])
  })

  t.test(`${driver}: pruning with logins that never expire still deletes expired keys`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { apiKeys: true, lifetimeSeconds: null } })
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    await built.app.accessTokens.issue(userId)
    await built.app.accessTokens.createApiKey(userId, { name: 'short', expiresInSeconds: 1 })
    clock.advance(2000)
    t.equal(await built.app.accessTokens.pruneExpired(), 1)
    t.equal((await tokenRows(built.tdb)).length, 1)
  })

  t.test(`${driver}: maxPerUser refuses, never evicts; expired keys do not count`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { apiKeys: { maxPerUser: 2 }, maxTokensPerUser: 1 } })
    const { app } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const other = await built.addUser({ email: 'bob@example.com', quickHash: true })
    const login = await built.login('ann@example.com')
    const first = await app.accessTokens.createApiKey(userId, { name: 'one', expiresInSeconds: 60 })
    await app.accessTokens.createApiKey(userId, { name: 'two' })
    const refused = await app.inject({ method: 'POST', url: '/auth/api-keys', headers: bearer(login), payload: { name: 'three' } })
    t.equal(refused.statusCode, 409)
    t.equal(refused.json().code, 'API_KEY_LIMIT_REACHED')
    t.equal((await app.inject({ url: '/me', headers: bearer(first.token) })).statusCode, 200, 'nothing was evicted')
    t.equal((await app.accessTokens.createApiKey(other, { name: 'one' })).session.kind, 'api-key', 'the limit is per user')

    // Logins neither count toward the keys' limit nor evict keys.
    const second = await built.login('ann@example.com')
    t.equal((await app.inject({ url: '/me', headers: bearer(login) })).statusCode, 401, 'maxTokensPerUser 1 evicted the older login')
    t.equal((await app.inject({ url: '/me', headers: bearer(second) })).statusCode, 200)
    t.equal((await app.accessTokens.listApiKeys(userId)).length, 2, 'the keys stay')

    clock.advance(61_000)
    const third = await app.inject({ method: 'POST', url: '/auth/api-keys', headers: bearer(second), payload: { name: 'three' } })
    t.equal(third.statusCode, 201, 'the expired key no longer counts')
  })

  t.test(`${driver}: maxPerUser holds under concurrent creation`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    // Two app instances, on two pools where the driver has a server to pool.
    const one = await buildApp(t, { driver, tdb, plugin: { apiKeys: { maxPerUser: 3 } } })
    const two = tdb.url === null
      ? one
      : await buildApp(t, { driver, tdb: { ...tdb, db: secondPool(t, tdb) }, plugin: { apiKeys: { maxPerUser: 3 } } })
    const userId = await one.addUser({ email: 'ann@example.com', quickHash: true })
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, n) =>
      (n % 2 === 0 ? one : two).app.accessTokens.createApiKey(userId, { name: `key ${n}` })))
    const created = results.filter((result) => result.status === 'fulfilled')
    const refused = results.filter((result) => result.status === 'rejected')
    t.equal(created.length, 3)
    t.equal(refused.length, 9)
    t.ok(refused.every((result) => (result as PromiseRejectedResult).reason.code === 'API_KEY_LIMIT_REACHED'))
    t.equal((await one.app.accessTokens.listApiKeys(userId)).length, 3)
  })

  t.test(`${driver}: maxPerUser null: no limit`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: { maxPerUser: null } } })
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    for (let n = 0; n < 3; n++) await built.app.accessTokens.createApiKey(userId, { name: `k${n}` })
    t.equal((await built.app.accessTokens.listApiKeys(userId)).length, 3)
  })

  t.test(`${driver}: malformed keys are refused without a query`, async (t) => {
    const tdb = await failingDatabase(driver)
    t.teardown(() => tdb.close())
    const on = await buildApp(t, { driver, tdb, plugin: { apiKeys: { prefix: 'acme_' } } })
    const off = await buildApp(t, { driver, tdb })
    tdb.fail()
    // Made with the same format, never stored: the database is never reached for them.
    const { generateApiKey } = await import('../lib/token.js')
    const key = generateApiKey('acme_')
    const me = (app: typeof on.app, token: string) => app.inject({ url: '/me', headers: bearer(token) })
    t.equal((await me(on.app, key)).statusCode, 503, 'the control: a good key is looked up, and this database fails')
    t.equal((await me(on.app, badChecksum(key))).statusCode, 401, 'a bad checksum')
    t.equal((await me(on.app, generateApiKey('other_'))).statusCode, 401, 'another prefix')
    t.equal((await me(on.app, key.slice(0, -1))).statusCode, 401, 'too short')
    t.equal((await me(on.app, `${key.slice(0, 10)}-${key.slice(11)}`)).statusCode, 401, 'outside base62')
    t.equal((await me(off.app, key)).statusCode, 401, 'API keys off')
    t.equal(await on.app.accessTokens.verify(badChecksum(key)), null)
    t.equal(await on.app.accessTokens.revoke(badChecksum(key)), false)
  })

  t.test(`${driver}: a key is never read from the cookie`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true, cookie: true } })
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const { token } = await built.app.accessTokens.createApiKey(userId, { name: 'k' })
    const viaCookie = await built.app.inject({ url: '/me', headers: { cookie: `access_token=${token}` } })
    t.equal(viaCookie.statusCode, 401)
    t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  })

  t.test(`${driver}: verify, revoke and the store API`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { apiKeys: true, cache: true } })
    const { app } = built
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    const { token, session } = await app.accessTokens.createApiKey(userId, { name: 'k', scopes: ['a', 'b'] })
    const verified = await app.accessTokens.verify(token)
    t.same(verified!.session.scopes, ['a', 'b'])
    t.equal(verified!.session.id, hashToken(token))
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'cached now')
    t.equal(await app.accessTokens.revoke(token), true)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, 'the cache forgets a revoked key')
    t.equal(await app.accessTokens.revokeSession(session.id), false)
    await t.rejects(app.accessTokens.createApiKey(null, { name: 'k' }), TypeError)
    await t.rejects(app.accessTokens.createApiKey(userId, null as never), { code: 'INVALID_NAME' })
  })

  t.test(`${driver}: without apiKeys, createApiKey is refused and there are no routes`, async (t) => {
    const built = await buildApp(t, { driver })
    const userId = await built.addUser({ email: 'ann@example.com', quickHash: true })
    await t.rejects(built.app.accessTokens.createApiKey(userId, { name: 'k' }), TypeError)
    const login = await built.login('ann@example.com')
    t.equal((await built.app.inject({ url: '/auth/api-keys', headers: bearer(login) })).statusCode, 404)
  })
}
