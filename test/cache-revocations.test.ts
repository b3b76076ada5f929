// How revocations travel, piece by piece: invalidateUser, a revocation that
// cannot be published (503, and nothing revoked), registration without the
// log table, the log reader's holes, evictions on a shared in-memory
// database, a single pg.Client, a log row committed late on MySQL.
import t, { type Test } from 'tap'
import pg from 'pg'
import mysql from 'mysql2/promise'
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { drivers, driversOf, familyOf, openDatabase, type TestDatabase, type TestDriver } from './helpers/databases.js'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql'
import { createClient } from '@libsql/client'
import { buildApp, bearer, PASSWORD, type TestApp } from './helpers/app.js'
import { insertUser } from './helpers/app.js'
import { startProxy } from './helpers/tcp-proxy.js'
import accessTokens, { generateToken, hashToken, migrate } from '../index.js'
import { LogReader } from '../lib/revocations/log.js'
import { sqliteLog } from '../lib/revocations/tables.js'
import { decode, encode, keyOf, MAX_KEYS, tokensEvent } from '../lib/revocations/events.js'

async function status (app: TestApp['app'], token: string): Promise<number> {
  return (await app.inject({ url: '/me', headers: bearer(token) })).statusCode
}

async function sqliteFile (t: Test, driver: TestDriver, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-revocations-'))
  const tdb = await openDatabase(driver, { file: join(dir, 'app.db'), ...options })
  t.teardown(async () => {
    await tdb.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return tdb
}

/** Deletes a token's row behind the plugin's back: no revocation is published. */
async function deleteBehind (tdb: TestDatabase, token: string): Promise<void> {
  await tdb.query(tdb.dialect === 'pg' ? 'delete from access_token where token = $1' : 'delete from access_token where token = ?', [hashToken(token)])
}

t.test('events: token keys or everything; anything else drops everything', async (t) => {
  const digest = hashToken('x'.repeat(43))
  t.same(decode(encode({ tokens: [keyOf(digest)] })), { tokens: [keyOf(digest)] })
  t.same(decode(encode({ all: true })), { all: true })
  t.same(decode('not a key'), { all: true })
  t.equal(keyOf(digest).length, 16)
})

/** An SQLite database in memory on `driver`: libSQL's `:memory:`, the others' default. */
async function sqliteMemory (t: Test, driver: TestDriver): Promise<TestDatabase> {
  const tdb = await openDatabase(driver, { migrated: driver !== 'libsql' })
  t.teardown(() => tdb.close())
  if (driver !== 'libsql') return tdb
  const client = createClient({ url: ':memory:' })
  t.teardown(() => { client.close() })
  const db = drizzleLibsql({ client })
  await migrate(db)
  return {
    ...tdb,
    db,
    query: async (text, params = []) => {
      const result = await client.execute({ sql: text, args: params as never })
      return result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])))
    }
  }
}

for (const driver of driversOf('sqlite')) {
  t.test(`${driver} in memory: instances in one process hear each other, evictions and invalidateUser included`, async (t) => {
    const tdb = await sqliteMemory(t, driver)
    const first = await buildApp(t, { tdb, plugin: { cache: true, maxTokensPerUser: 2 } })
    const second = await buildApp(t, { tdb, plugin: { cache: true, maxTokensPerUser: 2 } })
    t.equal((await tdb.query('select count(*) as n from access_token_revocation'))[0].n, 0)
    const userId = await insertUser(first.tdb, { email: 'a@example.com', quickHash: true })
    const token = await first.login('a@example.com')
    t.equal(await status(second.app, token), 200)
    await first.login('a@example.com')
    await first.login('a@example.com')
    t.equal(await status(second.app, token), 401, 'evicted by the limit on the first, refused at once by the second')

    const kept = await first.login('a@example.com')
    t.equal(await status(second.app, kept), 200)
    await first.tdb.query('update user set is_active = 0 where id = ?', [userId])
    t.equal(await status(second.app, kept), 200, 'the cached user, until told')
    await first.app.accessTokens.invalidateUser(userId)
    t.equal(await status(second.app, kept), 401, 'invalidateUser reaches the other instance')
    await t.rejects(first.app.accessTokens.invalidateUser(null), TypeError)
    await t.rejects(first.app.accessTokens.invalidateUser(undefined), TypeError)
    t.equal((await tdb.query('select count(*) as n from access_token_revocation'))[0].n, 0, 'told in the process, not through the log')
  })
}

for (const driver of driversOf('sqlite')) {
  t.test(`${driver} file: invalidateUser and revocations that cannot be published fail with 503 and revoke nothing`, async (t) => {
    const tdb = await sqliteFile(t, driver)
    const built = await buildApp(t, { tdb, plugin: { cache: true } })
    const userId = await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const token = await built.login('a@example.com')
    await tdb.query('alter table access_token_revocation rename to away')
    const logout = await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    t.equal(logout.statusCode, 503)
    t.equal(logout.json().code, 'TOKEN_STORE_UNAVAILABLE')
    t.equal((await tdb.query('select count(*) as n from access_token'))[0].n, 1, 'the row is still there: one transaction')
    await t.rejects(built.app.accessTokens.invalidateUser(userId), { code: 'TOKEN_STORE_UNAVAILABLE' })
    await tdb.query('alter table away rename to access_token_revocation')
    t.equal((await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
  })

  t.test(`${driver} file without the log table: the cache is refused at registration, plain revocations work`, async (t) => {
    const tdb = await sqliteFile(t, driver)
    await tdb.query('drop table access_token_revocation')
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(accessTokens, { database: tdb.db, cache: true })
    await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: /cache.*access_token_revocation.*migrate/ })

    const built = await buildApp(t, { tdb })
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const token = await built.login('a@example.com')
    t.equal((await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
    t.equal(await status(built.app, token), 401)
    await built.app.accessTokens.invalidateUser('anyone')
  })

  t.test(`${driver} file: a log with more holes than can be waited for drops the cache`, async (t) => {
    const tdb = await sqliteFile(t, driver)
    const built = await buildApp(t, { tdb, plugin: { cache: true } })
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const token = await built.login('a@example.com')
    t.equal(await status(built.app, token), 200)
    await deleteBehind(tdb, token)
    t.equal(await status(built.app, token), 200, 'served from the cache')
    await tdb.query('insert into access_token_revocation (id, created_at, subject) values (20000000, 0, ?)', ['unrelated-key-00'])
    const until = Date.now() + 1000
    while (await status(built.app, token) === 200 && Date.now() < until) await sleep(20)
    t.equal(await status(built.app, token), 401, 'the cache was dropped')
  })
}

t.test('the log reader: holes are read when they fill, given up on after a while, and old rows pruned', async (t) => {
  const client = new Database(':memory:')
  t.teardown(() => client.close())
  const db = drizzleSqlite({ client })
  await migrate(db)
  let now = 1_000_000
  t.teardown(() => { Date.now = real })
  const real = Date.now
  Date.now = () => now
  const reader = new LogReader(db, sqliteLog, { gapWaitMs: 1000, maxGaps: 3 })
  const insert = (id: number, subject: string, createdAt = now): void => {
    client.prepare('insert into access_token_revocation (id, created_at, subject) values (?, ?, ?)').run(id, createdAt, subject)
  }
  insert(1, 'a'.repeat(16))
  await reader.begin()
  t.same(await reader.read(), { events: [], missed: false }, 'what was logged before is not read')
  insert(4, 'b'.repeat(16))
  t.same(await reader.read(), { events: [{ tokens: ['b'.repeat(16)] }], missed: false })
  insert(2, 'c'.repeat(16))
  t.same(await reader.read(), { events: [{ tokens: ['c'.repeat(16)] }], missed: false }, 'a row committed late is read')
  now += 2000
  insert(3, 'd'.repeat(16))
  t.same(await reader.read(), { events: [], missed: false }, 'a hole waited for too long is given up on')
  insert(9, '*')
  t.same(await reader.read(), { events: [{ all: true }], missed: true }, 'more holes than can be tracked')
  insert(10, 'e'.repeat(16), now - 700_000)
  await reader.prune(600_000)

  t.notOk((client.prepare('select id from access_token_revocation').all() as Array<{ id: number }>).some((row) => row.id === 10), 'the old row is pruned')
})

for (const driver of drivers.filter((name) => name === 'node-postgres')) {
  t.test(`${driver}: on a single pg.Client, revocations of other instances arrive too`, async (t) => {
    const tdb = await openDatabase(driver)
    const client = new pg.Client({ connectionString: tdb.url! })
    await client.connect()
    t.teardown(async () => {
      await client.end()
      await tdb.close()
    })
    const single = await buildApp(t, { tdb: { ...tdb, db: drizzlePg({ client }) }, plugin: { cache: true } })
    const pooled = await buildApp(t, { tdb, plugin: { cache: true } })
    await insertUser(pooled.tdb, { email: 'a@example.com', quickHash: true })
    const token = await pooled.login('a@example.com')
    t.equal(await status(single.app, token), 200)
    t.equal((await pooled.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
    const until = Date.now() + 100
    while (await status(single.app, token) === 200 && Date.now() < until) await sleep(5)
    t.equal(await status(single.app, token), 401, 'within 100 ms')
  })
}

for (const driver of driversOf('pg')) {
  t.test(`${driver}: a database whose client cannot listen: the cache is refused at registration`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    // The same database, its client hidden: as a driver the plugin cannot listen on.
    const database = Object.create(tdb.db, { $client: { value: {} } })
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(accessTokens, { database, cache: true })
    await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: /cache.*node-postgres/ })
  })
}

for (const driver of driversOf('mysql')) {
  t.test(`${driver}: a log row committed after a higher one was read is still read`, async (t) => {
    const tdb = await openDatabase(driver)
    const late = await mysql.createConnection(tdb.url!)
    t.teardown(async () => {
      await late.end()
      await tdb.close()
    })
    const built = await buildApp(t, { tdb, plugin: { cache: true } })
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const token = await built.login('a@example.com')
    t.equal(await status(built.app, token), 200)
    await deleteBehind(tdb, token)
    // The late transaction takes its id first, and commits last.
    await late.query('begin')
    await late.query('insert into access_token_revocation (created_at, subject) values (now(3), ?)', [keyOf(hashToken(token))])
    await tdb.query('insert into access_token_revocation (created_at, subject) values (now(3), ?)', ['unrelated-key-00'])
    await sleep(600)
    t.equal(await status(built.app, token), 200, 'the higher row was read, the late one not yet')
    await late.query('commit')
    const committed = Date.now()
    while (await status(built.app, token) === 200 && Date.now() - committed < 1000) await sleep(10)
    t.equal(await status(built.app, token), 401, 'read within 1 s of its commit')
  })
}

for (const driver of drivers) {
  const dialect = familyOf(driver)
  t.test(`${driver}: evictions and invalidateUser reach another instance within the bound`, async (t) => {
    const bound = dialect === 'pg' ? 100 : 1000
    const tdb = dialect === 'sqlite' ? await sqliteFile(t, driver) : await openDatabase(driver)
    if (dialect !== 'sqlite') t.teardown(() => tdb.close())
    const options = { cache: true, maxTokensPerUser: 1 }
    const first = await buildApp(t, { tdb, plugin: options })
    const second = await buildApp(t, { tdb, plugin: options })
    const userId = await insertUser(first.tdb, { email: 'a@example.com', quickHash: true })
    const refusedWithin = async (token: string): Promise<boolean> => {
      const deadline = Date.now() + bound
      while (await status(second.app, token) === 200) {
        if (Date.now() > deadline) return false
        await sleep(5)
      }
      return true
    }

    const evicted = await first.login('a@example.com')
    t.equal(await status(second.app, evicted), 200)
    const kept = await first.login('a@example.com')
    t.ok(await refusedWithin(evicted), 'the evicted token is refused by the other instance')

    t.equal(await status(second.app, kept), 200)
    await deleteBehind(tdb, kept)
    t.equal(await status(second.app, kept), 200, 'served from the cache')
    await first.app.accessTokens.invalidateUser(userId)
    t.ok(await refusedWithin(kept), 'invalidateUser reaches the other instance')
  })
}

for (const driver of driversOf('mysql')) {
  t.test(`${driver}: a database away at registration: revocations are published once it is back`, async (t) => {
    const tdb = await openDatabase(driver)
    const url = new URL(tdb.url!)
    const proxy = await startProxy({ host: url.hostname, port: Number(url.port) })
    url.host = `127.0.0.1:${proxy.port}`
    const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 2, connectTimeout: 500 })
    t.teardown(async () => {
      await pool.end()
      await proxy.close()
      await tdb.close()
    })
    proxy.cut('reset')
    const built = await buildApp(t, { tdb: { ...tdb, db: drizzleMysql({ client: pool }) } })
    proxy.restore()
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const token = await built.login('a@example.com')
    t.equal((await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
    t.equal((await tdb.query('select count(*) as n from access_token_revocation'))[0].n, 1, 'the logout was published')
  })
}

// A PostgreSQL notification carries under 8000 bytes: a login that evicts
// hundreds of a user's tokens must not fail for the size of its notice.
for (const driver of [...driversOf('pg'), ...driversOf('mysql')]) {
  t.test(`${driver}: a login that evicts more tokens than one notice can name answers 200, and every cache drops them`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const one = await buildApp(t, { tdb, plugin: { cache: true, maxTokensPerUser: 2 } })
    const other = await buildApp(t, { tdb, plugin: { cache: true } })
    const userId = await one.addUser({ email: 'many@example.com', quickHash: true })
    const secrets = Array.from({ length: MAX_KEYS + 100 }, () => generateToken())
    const createdAt = new Date(Date.now() - 60_000)
    await tdb.db.insert(tdb.schema.accessTokens).values(secrets.map((secret) => ({ token: hashToken(secret), userId, createdAt })))
    t.equal(await status(other.app, secrets[0]), 200, 'an old token, cached on the other instance')
    t.same(tokensEvent(secrets.map(hashToken)), { all: true }, 'its notice will say: drop everything')

    const login = await one.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'many@example.com', password: PASSWORD } })
    t.equal(login.statusCode, 200, 'the login answers 200')
    const rows = await tdb.query('select count(*) as n from access_token')
    t.equal(Number(Object.values(rows[0])[0]), 2, 'the limit holds')
    const until = Date.now() + 1500
    while (await status(other.app, secrets[0]) === 200 && Date.now() < until) await sleep(20)
    t.equal(await status(other.app, secrets[0]), 401, 'the evicted token is refused by the other instance')
  })
}
