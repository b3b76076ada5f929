// storeTimeoutMs: a database that stops answering without closing its
// connections (a black hole: a partition, a stuck server) gets 503
// TOKEN_STORE_UNAVAILABLE within the limit, for every route that needs it;
// the pooled connections whose calls ran out of time are destroyed, not kept
// (node-postgres, mysql2; postgres.js cancels a statement stuck behind a
// lock instead); and once the network forwards again the same app answers 200.
import t from 'tap'
import Fastify, { type InjectOptions } from 'fastify'
import accessTokens from '../index.js'
import pg from 'pg'
import mysql from 'mysql2/promise'
import mysqlCallbacks from 'mysql2'
import postgres, { type Sql } from 'postgres'
import { ReplaceableClient } from '../lib/dialects/drivers/postgres-js.js'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { drivers, driversOf, openDatabase, type TestDriver } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import { startProxy } from './helpers/tcp-proxy.js'
import { within } from './helpers/within.js'

const LIMIT_MS = 300
// Timers and the event loop of a busy test machine; far below any driver's own timeout.
const MARGIN_MS = 1000
const POOL_SIZE = 2

interface Client {
  db: unknown
  /** Connections the application's pool checked out from now on, and whether each is gone from it. */
  watch(): () => boolean[]
  end(): Promise<void>
}

/** A pool of POOL_SIZE connections through the proxy, with no timeout of its own. */
function client (driver: TestDriver, url: string): Client {
  if (driver === 'node-postgres') {
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE })
    pool.on('error', () => {})
    const destroyed = new Set<unknown>()
    // pg-pool destroys a connection released with an error.
    pool.on('release', (error: Error | undefined, connection: unknown) => { if (error !== undefined) destroyed.add(connection) })
    return {
      db: drizzlePg({ client: pool }),
      watch () {
        const acquired: unknown[] = []
        pool.on('acquire', (connection) => acquired.push(connection))
        return () => acquired.map((connection) => destroyed.has(connection))
      },
      end: async () => { await pool.end() }
    }
  }
  if (driver === 'mysql2') {
    const pool = mysql.createPool({ uri: url, connectionLimit: POOL_SIZE })
    return {
      db: drizzleMysql({ client: pool }),
      watch () {
        const acquired: Array<{ stream: { destroyed: boolean } }> = []
        pool.pool.on('acquire', (connection: { stream: { destroyed: boolean } }) => { acquired.push(connection) })
        return () => acquired.map((connection) => connection.stream.destroyed)
      },
      end: async () => { await pool.end() }
    }
  }
  const sql = postgres(url, { max: POOL_SIZE, onnotice: () => {} })
  return {
    db: drizzlePostgresJs({ client: sql }),
    // The plugin runs its calls on a client of its own: the proxy sees them.
    watch: () => () => [],
    end: async () => { await sql.end({ timeout: 0 }) }
  }
}

for (const driver of drivers.filter((name) => name === 'node-postgres' || name === 'postgres-js' || name === 'mysql2')) {
  t.test(`${driver}: a black hole answers 503 within storeTimeoutMs, then 200 once the network is back`, async (t) => {
    const direct = await openDatabase(driver)
    const url = new URL(direct.url!)
    const proxy = await startProxy({ host: url.hostname, port: Number(url.port) })
    url.host = `127.0.0.1:${proxy.port}`
    const app0 = client(driver, url.toString())
    t.teardown(async () => {
      proxy.restore()
      await app0.end()
      await proxy.close()
      await direct.close()
    })
    const { app, addUser, login } = await buildApp(t, {
      tdb: { ...direct, db: app0.db },
      plugin: { storeTimeoutMs: LIMIT_MS, maxTokensPerUser: 10, apiKeys: true }
    })
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)

    const checkedOut = app0.watch()
    proxy.cut('stall')
    const timed = async (request: InjectOptions): Promise<{ statusCode: number, code: string, ms: number }> => {
      const started = performance.now()
      const response = await within(app.inject(request))
      return { statusCode: response.statusCode, code: response.json().code, ms: performance.now() - started }
    }
    const loginRequest = { method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } } satisfies InjectOptions
    const during = [
      // One at a time, each meeting the pool's connections, then more at once than the pool has.
      await timed({ url: '/me', headers: bearer(token) }),
      await timed(loginRequest),
      await timed({ method: 'POST', url: '/auth/logout', headers: bearer(token) }),
      ...await Promise.all([
        ...Array.from({ length: 4 }, async () => timed({ url: '/me', headers: bearer(token) })),
        timed(loginRequest),
        timed({ url: '/auth/sessions', headers: bearer(token) }),
        timed({ url: '/auth/api-keys', headers: bearer(token) })
      ])
    ]
    for (const answer of during) {
      t.equal(answer.statusCode, 503)
      t.equal(answer.code, 'TOKEN_STORE_UNAVAILABLE')
      t.ok(answer.ms < LIMIT_MS + MARGIN_MS, `answered in ${Math.round(answer.ms)} ms`)
    }
    const started = performance.now()
    await t.rejects(within(app.accessTokens.pruneExpired()), { code: 'TOKEN_STORE_UNAVAILABLE' }, 'a pruning batch too')
    t.ok(performance.now() - started < LIMIT_MS + MARGIN_MS)
    // A transaction's ROLLBACK waits behind its stuck statement for one more limit.
    await new Promise((resolve) => setTimeout(resolve, 2 * LIMIT_MS))
    const gone = checkedOut()
    // postgres.js: the plugin's own client, ended, so not the application's pool.
    if (driver !== 'postgres-js') {
      t.ok(gone.length > 0, 'the calls took connections of the pool')
      t.same(gone, gone.map(() => true), 'each connection whose call timed out is destroyed')
    }
    const stalled = proxy.stalledConnections()
    t.ok(stalled.length > 0, 'calls were sent into the black hole')
    t.same(stalled, stalled.map(() => true), 'every connection that carried one is closed by the app')

    proxy.restore()
    const me = await within(app.inject({ url: '/me', headers: bearer(token) }))
    t.equal(me.statusCode, 200)
    const logins = await Promise.all(Array.from({ length: 4 }, async () => within(app.inject(loginRequest))))
    t.same(logins.map((response) => response.statusCode), [200, 200, 200, 200])
    t.equal((await within(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }))).statusCode, 204)
    t.equal((await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode, 401)
  })
}

// postgres.js cannot destroy a connection, so the plugin cancels a query that
// ran out of time: PostgreSQL ends it, and its connection serves again while
// the lock it waited for is still held.
for (const driver of drivers.filter((name) => name === 'postgres-js')) {
  t.test(`${driver}: a query stuck behind a lock is cancelled at storeTimeoutMs, and its connection is free again`, async (t) => {
    t.plan(9)
    const direct = await openDatabase(driver)
    const application = 'fat-stuck-behind-lock'
    const sql = postgres(direct.url!, { max: 1, onnotice: () => {}, connection: { application_name: application } })
    const holder = postgres(direct.url!, { max: 1, onnotice: () => {} })
    let release = (): void => {}
    const released = new Promise<void>((resolve) => { release = resolve })
    t.teardown(async () => {
      release()
      await holder.end({ timeout: 0 })
      await sql.end({ timeout: 0 })
      await direct.close()
    })
    const { app, addUser, login } = await buildApp(t, {
      tdb: { ...direct, db: drizzlePostgresJs({ client: sql }) },
      plugin: { storeTimeoutMs: LIMIT_MS, maxTokensPerUser: 10 }
    })
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')

    let locked = (): void => {}
    const lockTaken = new Promise<void>((resolve) => { locked = resolve })
    const holding = holder.begin(async (tx) => {
      await tx`lock table access_token in access exclusive mode`
      locked()
      await released
    })
    await lockTaken
    const waitingOnLock = async (): Promise<number> => Number((await direct.query(
      "select count(*) as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [application]))[0].n)

    for (const request of [
      { url: '/me', headers: bearer(token) },
      { method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } }
    ] satisfies InjectOptions[]) {
      const started = performance.now()
      const response = await within(app.inject(request))
      t.equal(response.json().code, 'TOKEN_STORE_UNAVAILABLE', `${request.url}: 503`)
      t.ok(performance.now() - started < LIMIT_MS + MARGIN_MS, `${request.url}: within the limit`)
    }
    await new Promise((resolve) => setTimeout(resolve, 2 * LIMIT_MS))
    t.equal(await waitingOnLock(), 0, 'no query of the application waits on the lock any more')
    const [row] = await within(sql`select 1 as answered`)
    t.equal(row.answered, 1, 'the one connection of the pool answers while the lock is still held')

    release()
    await holding
    t.equal((await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode, 200)
    t.equal((await within(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }))).statusCode, 204)
    t.equal((await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode, 401)
  })
}

// On postgres.js the plugin's calls run on a client of its own, made on the
// application client's settings: it serves whatever the application does
// with its own client, and it ends when the app closes.
for (const driver of drivers.filter((name) => name === 'postgres-js')) {
  t.test(`${driver}: the plugin's own client has the application's settings and ends with the app`, async (t) => {
    const direct = await openDatabase(driver)
    const application = 'fat-own-client'
    const sql = postgres(direct.url!, { max: 2, onnotice: () => {}, connection: { application_name: application } })
    t.teardown(async () => {
      await sql.end({ timeout: 0 })
      await direct.close()
    })
    const { app, addUser, login } = await buildApp(t, {
      tdb: { ...direct, db: drizzlePostgresJs({ client: sql }) },
      plugin: { storeTimeoutMs: LIMIT_MS }
    })
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    await sql.end()
    const connections = async (): Promise<number> => Number((await direct.query(
      'select count(*) as n from pg_stat_activity where application_name = $1', [application]))[0].n)
    const me = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(me.statusCode, 200, 'the plugin answers after the application ended its client')
    t.ok(await connections() > 0, 'on connections with the application client\'s settings')
    await app.close()
    const deadline = Date.now() + 5000
    while (await connections() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    t.equal(await connections(), 0, 'closing the app ends them')
  })
}

for (const driver of driversOf('sqlite')) {
  t.test(`${driver}: storeTimeoutMs is the connection's busy timeout; null leaves the connection's own`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const busyTimeout = async (): Promise<number> => Number(Object.values((await tdb.query('PRAGMA busy_timeout'))[0])[0])
    await tdb.query('PRAGMA busy_timeout = 1234')
    const register = async (options: { storeTimeoutMs?: number | null }): Promise<void> => {
      const app = Fastify()
      t.teardown(() => app.close())
      await app.register(accessTokens, { database: tdb.db, ...options })
      await app.ready()
    }
    await register({ storeTimeoutMs: null })
    t.equal(await busyTimeout(), 1234)
    await register({})
    t.equal(await busyTimeout(), 5000, 'the default')
    await register({ storeTimeoutMs: 250 })
    t.equal(await busyTimeout(), 250)
  })
}

// Drivers whose client is not a pool the plugin can bound: the time limit
// still answers for every call.
for (const driver of drivers.filter((name) => name === 'node-postgres' || name === 'mysql2')) {
  t.test(`${driver}: a single connection${driver === 'mysql2' ? ', and a pool of the callback API,' : ''} work under storeTimeoutMs`, async (t) => {
    const direct = await openDatabase(driver)
    const ends: Array<() => Promise<void>> = []
    t.teardown(async () => {
      for (const end of ends) await end()
      await direct.close()
    })
    const databases: Array<[string, unknown]> = []
    if (driver === 'node-postgres') {
      const client = new pg.Client({ connectionString: direct.url! })
      await client.connect()
      ends.push(async () => { await client.end() })
      databases.push(['a pg.Client', drizzlePg({ client })])
    } else {
      const connection = await mysql.createConnection(direct.url!)
      ends.push(async () => { await connection.end() })
      databases.push(['a mysql2 connection', drizzleMysql({ client: connection })])
      const pool = mysqlCallbacks.createPool({ uri: direct.url!, connectionLimit: 2 })
      ends.push(async () => { await new Promise<void>((resolve) => pool.end(() => resolve())) })
      databases.push(['a mysql2 pool of the callback API', drizzleMysql({ client: pool })])
    }
    for (const [what, db] of databases) {
      const email = `${databases.findIndex(([name]) => name === what)}@example.com`
      const { app, addUser, login } = await buildApp(t, { tdb: { ...direct, db }, plugin: { storeTimeoutMs: 2000, maxTokensPerUser: 5 } })
      await addUser({ email })
      const me = await app.inject({ url: '/me', headers: bearer(await login(email)) })
      t.equal(me.statusCode, 200, what)
      t.equal(me.json().email, email, what)
    }
  })
}

// The client the plugin runs on, on postgres.js: each stale client ends once,
// however many of its statements report it, and only the current one is
// replaced.
t.test('the plugin\'s own postgres.js client is replaced once per stale client', async (t) => {
  const made: Array<{ ended: number[] }> = []
  const make = (): Sql => {
    const client = { ended: [] as number[], end: async ({ timeout }: { timeout: number }) => { client.ended.push(timeout) } }
    made.push(client)
    return client as unknown as Sql
  }
  const own = new ReplaceableClient(make)
  const first = own.current
  own.replace(first)
  const second = own.current
  t.not(second, first, 'a fresh client serves the calls after it')
  t.same(made[0].ended, [0], 'the stale one is ended at once')
  own.replace(first)
  t.equal(own.current, second, 'a second report of the stale client changes nothing')
  t.equal(made.length, 2, 'and makes no client')
  await own.end(5)
  t.same(made[1].ended, [5], 'closing ends the current one, with calls under way given the time asked')
  t.same(made[0].ended, [0], 'and not the stale one again')
})
