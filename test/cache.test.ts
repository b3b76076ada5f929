import t from 'tap'
import { eq } from 'drizzle-orm'
import { drivers, openDatabase, type TestDriver } from './helpers/databases.js'
import { buildApp, bearer, status, type TestApp } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { insertTokenRows, rowOf } from './helpers/token-rows.js'
import { hashToken } from '../index.js'

/** Deletes a token's row under the plugin, as another instance's logout would. */
async function deleteRow (built: Pick<TestApp, 'tdb'>, token: string): Promise<void> {
  const { accessTokens } = built.tdb.schema
  await built.tdb.db.delete(accessTokens).where(eq(accessTokens.token, hashToken(token)))
}

/**
 * The bound of each driver: an in-memory SQLite database in one process,
 * PostgreSQL's notifications, the polled log of SQLite files and MySQL.
 */
const BOUNDS: Record<TestDriver, number> = {
  'better-sqlite3': 0,
  'node-sqlite': 0,
  libsql: 1000,
  'node-postgres': 100,
  'postgres-js': 100,
  pglite: 100,
  mysql2: 1000
}

/** Whether the token is refused (401) by `app` before `ms` have passed. */
async function refusedWithin (app: TestApp['app'], token: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await status(app, token) === 401) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

for (const driver of drivers) {
  t.test(`${driver}: a cached token is served without the database until its entry goes stale`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { cache: { ttlSeconds: 30, max: 100 } }, users: ['a@example.com'] })
    const token = await built.login('a@example.com')
    const cachedAt = clock.advance(1000)
    t.equal(await status(built.app, token), 200)

    // Were the database asked, it would find no row.
    await deleteRow(built, token)
    t.equal(await status(built.app, token), 200, 'served from the cache')
    clock.set(cachedAt + 30_000)
    t.equal(await status(built.app, token), 200, 'still at exactly ttlSeconds')
    clock.set(cachedAt + 30_001)
    t.equal(await status(built.app, token), 401, 'asked again once stale, the database says no')
  })

  t.test(`${driver}: without the cache every request asks the database`, async (t) => {
    const built = await buildApp(t, { driver, users: ['a@example.com'] })
    const token = await built.login('a@example.com')
    t.equal(await status(built.app, token), 200)
    await deleteRow(built, token)
    t.equal(await status(built.app, token), 401)
  })

  t.test(`${driver}: revocations on this instance drop cached entries at once`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { cache: true }, users: ['a@example.com'] })
    const { app } = built
    const warm = async (): Promise<string> => {
      const token = await built.login('a@example.com')
      t.equal(await status(app, token), 200)
      return token
    }
    const ways: Array<[string, (token: string, other: string) => Promise<unknown>]> = [
      ['POST /auth/logout', (token) => app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })],
      ['DELETE /auth/sessions/:id', (token, other) => app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken(token)}`, headers: bearer(other) })],
      ['POST /auth/logout-all', (token) => app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(token) })],
      ['revoke()', (token) => app.accessTokens.revoke(token)],
      ['revokeSession()', (token) => app.accessTokens.revokeSession(hashToken(token))],
      ['revokeAll()', () => app.accessTokens.revokeAll(built.userIds[0])],
      ['revokeAll() with except', (_token, other) => app.accessTokens.revokeAll(built.userIds[0], { except: hashToken(other) })]
    ]
    for (const [name, revoke] of ways) {
      const token = await warm()
      const other = await warm()
      await revoke(token, other)
      t.equal(await status(app, token), 401, `${name}: refused at once`)
    }
    // revokeAll's except keeps that entry, in the database and the cache.
    const kept = await warm()
    const dropped = await warm()
    await app.accessTokens.revokeAll(built.userIds[0], { except: hashToken(kept) })
    t.equal(await status(app, dropped), 401)
    t.equal(await status(app, kept), 200)
  })

  t.test(`${driver}: another instance refuses a revoked token within the bound, its entry still fresh`, async (t) => {
    const first = await buildApp(t, { driver, plugin: { cache: { ttlSeconds: 60, max: 100 } }, users: ['a@example.com'] })
    const second = await buildApp(t, { driver, tdb: first.tdb, plugin: { cache: { ttlSeconds: 60, max: 100 } } })
    const token = await first.login('a@example.com')
    const other = await first.login('a@example.com')
    t.equal(await status(second.app, token), 200, 'a token issued by one instance works on the other')
    t.equal(await status(second.app, other), 200)
    t.equal(await status(first.app, token), 200)

    t.equal((await first.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
    const loggedOut = Date.now()
    t.equal(await status(first.app, token), 401, 'refused at once where it was revoked')
    t.ok(await refusedWithin(second.app, token, BOUNDS[driver]), `refused by the other within ${BOUNDS[driver]} ms`)
    t.ok(Date.now() - loggedOut <= BOUNDS[driver] + 50)

    await first.app.accessTokens.revokeAll(first.userIds[0])
    t.equal(await status(first.app, other), 401)
    t.ok(await refusedWithin(second.app, other, BOUNDS[driver]), 'revokeAll reaches the other too')
  })

  t.test(`${driver}: user changes reach a cached token within ttlSeconds`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { cache: { ttlSeconds: 10, max: 100 } }, users: ['a@example.com'] })
    const token = await built.login('a@example.com')
    const cachedAt = clock.now()
    t.equal(await status(built.app, token), 200)
    const { users } = built.tdb.schema
    await built.tdb.db.update(users).set({ isActive: false }).where(eq(users.id, built.userIds[0]))
    t.equal(await status(built.app, token), 200, 'the cached user is still active')
    clock.set(cachedAt + 10_001)
    t.equal(await status(built.app, token), 401, 'the fresh one is not')
  })

  t.test(`${driver}: a cached token still expires on time`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { lifetimeSeconds: 100, cache: { ttlSeconds: 60, max: 100 } }, users: ['a@example.com'] })
    const created = clock.now()
    const token = await built.login('a@example.com')
    clock.set(created + 90_000)
    t.equal(await status(built.app, token), 200)
    clock.set(created + 100_001)
    t.equal(await status(built.app, token), 401, 'refused at its expiry though its entry is fresh')
  })

  t.test(`${driver}: a cached session idle on this instance but used on another is asked for again`, async (t) => {
    const clock = controlClock(t)
    const options = { idleTimeoutSeconds: 20, cache: { ttlSeconds: 60, max: 100 } }
    const first = await buildApp(t, { driver, plugin: options, users: ['a@example.com'] })
    const second = await buildApp(t, { driver, tdb: first.tdb, plugin: options })
    const start = clock.now()
    const token = await first.login('a@example.com')
    t.equal(await status(second.app, token), 200, 'cached by the second instance, last used now')
    clock.set(start + 15_000)
    t.equal(await status(first.app, token), 200, 'used on the first instance, which records it')
    t.equal((await rowOf(first.tdb, token))?.lastUsedAt?.getTime(), start + 15_000)
    // The second instance's entry says "idle since start"; the database knows better.
    clock.set(start + 25_000)
    t.equal(await status(second.app, token), 200)
    clock.set(start + 45_000)
    t.equal(await status(second.app, token), 200)
    clock.set(start + 65_001)
    t.equal(await status(second.app, token), 401, 'idle on both for 20 s: expired')
  })

  t.test(`${driver}: a revocation during a lookup is not undone by the lookup's answer`, async (t) => {
    // getUser waits at a gate, so a revocation can land mid-lookup.
    let entered: () => void = () => {}
    let release: () => void = () => {}
    let gated = false
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const built = await buildApp(t, {
      driver,
      tdb,
      plugin: {
        cache: true,
        getUser: async (id: string) => {
          if (gated) {
            entered()
            await new Promise<void>((resolve) => { release = resolve })
          }
          const { users } = tdb.schema
          const [user] = await tdb.db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, id))
          return user ?? null
        }
      }
    })
    const userId = await built.addUser({ email: 'a@example.com', quickHash: true })
    for (const [name, revoke] of [
      ['revoke()', (token: string) => built.app.accessTokens.revoke(token)],
      ['revokeSession()', (token: string) => built.app.accessTokens.revokeSession(hashToken(token))],
      ['revokeAll()', () => built.app.accessTokens.revokeAll(userId)]
    ] as const) {
      const token = await built.login('a@example.com')
      gated = true
      const inLookup = new Promise<void>((resolve) => { entered = resolve })
      const during = built.app.inject({ url: '/me', headers: bearer(token) })
      await inLookup
      gated = false
      await revoke(token)
      release()
      await during
      t.equal(await status(built.app, token), 401, `${name}: the revoked token is not cached`)
    }
  })

  t.test(`${driver}: the cache holds at most max entries, least recently used out first`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { cache: { ttlSeconds: 60, max: 2 } }, users: ['a@example.com'] })
    const tokens = [await built.login('a@example.com'), await built.login('a@example.com'), await built.login('a@example.com')]
    for (const token of tokens) t.equal(await status(built.app, token), 200)
    for (const token of tokens) await deleteRow(built, token)
    t.equal(await status(built.app, tokens[0]), 401, 'the least recently used was evicted')
    t.equal(await status(built.app, tokens[1]), 200)
    t.equal(await status(built.app, tokens[2]), 200)
  })

  t.test(`${driver}: cache: true means { ttlSeconds: 60, max: 10000 }`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { cache: true }, users: ['a@example.com'] })
    const now = clock.now()
    // 10 001 tokens, each marked used now, so verifying them writes nothing.
    const secrets = Array.from({ length: 10_001 }, (_, n) => `${String(n).padStart(43, 'x')}`)
    await insertTokenRows(built.tdb, secrets.map((secret) => ({
      token: hashToken(secret),
      userId: built.userIds[0],
      createdAt: new Date(now),
      lastUsedAt: new Date(now)
    })))
    for (const [n, secret] of secrets.entries()) {
      if (await built.app.accessTokens.verify(secret) === null) throw new Error('a token did not verify')
      // A driver that answers at once never yields to timers: let the
      // revocation log be read, or the cache stops trusting its entries
      // (and drops them when it trusts them again), as it must.
      if (n % 20 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    const { accessTokens } = built.tdb.schema
    await built.tdb.db.delete(accessTokens)
    t.equal(await built.app.accessTokens.verify(secrets[0]), null, 'the 10 001st entry evicted the first')
    t.not(await built.app.accessTokens.verify(secrets[1]), null, '10 000 are kept')
    t.not(await built.app.accessTokens.verify(secrets[10_000]), null)
    clock.set(now + 60_000)
    t.not(await built.app.accessTokens.verify(secrets[2]), null, 'trusted for 60 s')
    clock.set(now + 60_001)
    t.equal(await built.app.accessTokens.verify(secrets[3]), null, 'and no longer')
  })
}
