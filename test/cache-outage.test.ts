// The cache while revocations cannot arrive: the listening connection is
// killed, the network to the database is cut (every connection dropped, as
// in a restart) or stalled, the log table cannot be read. The cache is
// bypassed at once (at the latest 1 s after the channel was last confirmed),
// an entry cached before the trouble is never served after it, the lapse
// and the recovery are each logged once, and the cache is used again once
// the channel is back.
import t, { type Test } from 'tap'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { drivers, familyOf, onePerFamily, openDatabase, type TestDatabase, type TestDriver } from './helpers/databases.js'
import { buildApp, bearer, type TestApp } from './helpers/app.js'
import { insertUser } from './helpers/app.js'
import { startProxy, type TcpProxy } from './helpers/tcp-proxy.js'
import { until, within } from './helpers/within.js'
import { hashToken } from '../index.js'
import { APPLICATION_NAME } from '../lib/revocations/listen.js'

const LAPSE = /cannot be received/
const RECOVERY = /are received again/

interface Setup extends TestApp {
  direct: TestDatabase
  proxy: TcpProxy | null
  warnings: string[]
}

/** The app with the cache on, on a database reached through a proxy (servers) or a WAL file (SQLite). */
async function cachedAppThroughProxy (t: Test, driver: TestDriver): Promise<Setup> {
  const dialect = familyOf(driver)
  const warnings: string[] = []
  const stream = { write: (line: string) => { if (JSON.parse(line).level === 40) warnings.push(JSON.parse(line).msg) } }
  const fastify = { logger: { level: 'warn', stream } }
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'access-tokens-outage-'))
    const direct = await openDatabase(driver, { file: join(dir, 'app.db') })
    await direct.query('pragma journal_mode = wal')
    t.teardown(async () => {
      await direct.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const built = await buildApp(t, { tdb: direct, plugin: { cache: true }, fastify })
    return { ...built, direct, proxy: null, warnings }
  }
  const direct = await openDatabase(driver)
  const url = new URL(direct.url!)
  const proxy = await startProxy({ host: url.hostname, port: Number(url.port) })
  url.host = `127.0.0.1:${proxy.port}`
  let db: unknown
  let end: () => Promise<void>
  if (driver === 'postgres-js') {
    const client = postgres(url.toString(), { max: 4, connect_timeout: 1, onnotice: () => {} })
    db = drizzlePostgresJs({ client })
    end = () => client.end({ timeout: 1 })
  } else if (dialect === 'pg') {
    const pool = new pg.Pool({ connectionString: url.toString(), max: 4, connectionTimeoutMillis: 500, query_timeout: 500 })
    pool.on('error', () => {})
    db = drizzlePg({ client: pool })
    end = () => pool.end()
  } else {
    const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 4, connectTimeout: 500 })
    db = drizzleMysql({ client: pool })
    end = () => pool.end()
  }
  t.teardown(async () => {
    await end()
    await proxy.close()
    await direct.close()
  })
  const built = await buildApp(t, { tdb: { ...direct, db }, plugin: { cache: true }, fastify })
  return { ...built, direct, proxy, warnings }
}

async function status (app: TestApp['app'], token: string): Promise<number> {
  return (await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode
}

/** A token served from the cache: its row deleted behind the plugin's back, no revocation published. */
async function cachedButGone (t: Test, built: Setup): Promise<string> {
  const token = await built.login('a@example.com')
  t.equal(await status(built.app, token), 200)
  await built.direct.query(built.direct.dialect === 'pg' ? 'delete from access_token where token = $1' : 'delete from access_token where token = ?', [hashToken(token)])
  t.equal(await status(built.app, token), 200, 'served from the cache')
  return token
}

function count (lines: string[], pattern: RegExp): number {
  return lines.filter((line) => pattern.test(line)).length
}

/** After the trouble: the old entry is gone, a new one is served from the cache again. */
async function recovered (t: Test, built: Setup, stale: string): Promise<void> {
  t.ok(await until(() => count(built.warnings, RECOVERY) === 1, 5000), 'the recovery is logged once')
  t.equal(count(built.warnings, LAPSE), 1, 'the lapse was logged once')
  t.equal(await status(built.app, stale), 401, 'the entry cached before the trouble is not served after it')
  await cachedButGone(t, built)
}

for (const driver of onePerFamily.filter((name) => familyOf(name) === 'pg')) {
  t.test(`${driver}: the listening connection is killed: the cache is bypassed at once, and used again once it is back`, async (t) => {
    const built = await cachedAppThroughProxy(t, driver)
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const stale = await cachedButGone(t, built)
    const killed = await built.direct.query('select pg_terminate_backend(pid) as gone from pg_stat_activity where datname = current_database() and application_name = $1', [APPLICATION_NAME])
    t.equal(killed.length, 1, 'one listening connection')
    const killedAt = performance.now()
    t.ok(await until(async () => await status(built.app, stale) === 401, 500), 'refused: the cache is bypassed')
    t.ok(performance.now() - killedAt < 500, 'well before the entry could go stale')
    await recovered(t, built, stale)
  })
}

// postgres.js too: it opens its listening connection again by itself, and
// the notifications of the gap are lost.
for (const driver of drivers.filter((name) => ['node-postgres', 'postgres-js', 'mysql2'].includes(name))) {
  t.test(`${driver}: every connection dropped (a restart): nothing from the cache, then the cache again`, async (t) => {
    const built = await cachedAppThroughProxy(t, driver)
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const stale = await cachedButGone(t, built)
    built.proxy!.cut('reset')
    // The lookup goes to the database, which is away: 503, never the cached 200.
    t.ok(await until(async () => await status(built.app, stale) === 503, 1500), 'the cache is bypassed')
    await sleep(300)
    t.equal(await status(built.app, stale), 503)
    built.proxy!.restore()
    await recovered(t, built, stale)
  })
}

for (const driver of onePerFamily.filter((name) => familyOf(name) !== 'sqlite')) {
  const dialect = familyOf(driver)
  t.test(`${driver}: a stalled network: nothing from the cache after 1 s, then the cache again`, async (t) => {
    const built = await cachedAppThroughProxy(t, driver)
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const stale = await cachedButGone(t, built)
    built.proxy!.cut('stall')
    await sleep(1100)
    // The lookup waits for the stalled database instead of trusting the entry.
    const pending = within(built.app.inject({ url: '/me', headers: bearer(stale) }))
    let answered = false
    pending.finally(() => { answered = true }).catch(() => {})
    await sleep(200)
    if (dialect === 'mysql') t.notOk(answered, 'not served from the cache')
    t.ok(await until(() => count(built.warnings, LAPSE) === 1, 3000), 'the lapse is logged')
    // Long enough for the stalled channel to be given up on and replaced.
    await sleep(2500)
    built.proxy!.restore()
    t.not((await pending).statusCode, 200, 'the entry cached before the stall is not served')
    await recovered(t, built, stale)
  })
}

for (const driver of drivers.filter((name) => name === 'libsql' || onePerFamily.includes(name)).filter((name) => familyOf(name) !== 'pg')) {
  t.test(`${driver}: the log cannot be read: the cache is bypassed, and used again once it can`, async (t) => {
    const built = await cachedAppThroughProxy(t, driver)
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const stale = await cachedButGone(t, built)
    await built.direct.query('alter table access_token_revocation rename to access_token_revocation_away')
    const cutAt = performance.now()
    t.ok(await until(async () => await status(built.app, stale) === 401, 1000), 'refused: the cache is bypassed')
    t.ok(performance.now() - cutAt <= 1000, 'within 1 s')
    await built.direct.query('alter table access_token_revocation_away rename to access_token_revocation')
    await recovered(t, built, stale)
  })
}

for (const driver of onePerFamily.filter((name) => familyOf(name) !== 'sqlite')) {
  t.test(`${driver}: the database comes and goes under load: no stale acceptance, no crash`, async (t) => {
    const bound = familyOf(driver) === 'pg' ? 100 : 1000
    const built = await cachedAppThroughProxy(t, driver)
    // Another instance, on connections the cuts do not touch, makes the revocation.
    const other = await buildApp(t, { tdb: built.direct, plugin: { cache: true } })
    await insertUser(built.tdb, { email: 'a@example.com', quickHash: true })
    const victim = await built.login('a@example.com')
    const live = await built.login('a@example.com')
    t.equal(await status(built.app, victim), 200)

    let revokedAt = Infinity
    const traffic = { running: true }
    const stale: number[] = []
    const seen = new Set<number>()
    const load = Array.from({ length: 6 }, async (_, n) => {
      while (traffic.running) {
        const token = n % 2 === 0 ? victim : live
        const startedAt = performance.now()
        const code = await status(built.app, token)
        seen.add(code)
        if (token === victim && code === 200 && startedAt > revokedAt + bound) stale.push(startedAt - revokedAt)
      }
    })
    for (let cycle = 0; cycle < 3; cycle++) {
      await sleep(300)
      built.proxy!.cut('reset')
      if (cycle === 1) {
        t.equal(await other.app.accessTokens.revokeSession(hashToken(victim)), true)
        revokedAt = performance.now()
      }
      await sleep(300)
      built.proxy!.restore()
    }
    await sleep(1500)
    traffic.running = false
    await Promise.all(load)
    t.same(stale, [], 'the revoked token was never accepted past the bound')
    t.same([...seen].filter((code) => ![200, 401, 503].includes(code)), [], 'only 200, 401 and 503')
    t.equal(await status(built.app, live), 200, 'the app answers as before')
    t.equal(await status(built.app, victim), 401)
  })
}
