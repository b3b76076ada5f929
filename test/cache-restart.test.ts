// The database server restarts under load, for real: a clean shutdown ends
// every session (PostgreSQL's listening connection included) with an error,
// and the server refuses connections until it is back. Two instances with
// the cache on share it; one serves a stream of requests while the other
// revokes a token right after each restart, when the first may not be
// listening (PostgreSQL) or reading the log (MariaDB) again yet. A revoked
// token is never accepted past the dialect's bound, every answer is 200, 401
// or 503, nothing is left unhandled, and the instance answers as before, and
// from its cache, once the server is back.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import postgres from 'postgres'
import mysql from 'mysql2/promise'
import { eq } from 'drizzle-orm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { setTimeout as sleep } from 'node:timers/promises'
import accessTokens, { createUser, hashToken, migrate, type MySqlDrizzleDatabase, type PgDrizzleDatabase } from '../index.js'
import { accessTokens as pgTokens } from '../lib/schema/pg.js'
import { accessTokens as mysqlTokens } from '../lib/schema/mysql.js'
import { drivers } from './helpers/databases.js'
import { bearer, PASSWORD } from './helpers/app.js'
import { startPrivateMariadb, startPrivatePostgres, type PrivateServer } from './helpers/private-servers.js'
import { until, within } from './helpers/within.js'
const LAPSE = /cannot be received/
const RECOVERY = /are received again/

type ServerDriver = 'node-postgres' | 'postgres-js' | 'mysql2'
type Database = PgDrizzleDatabase | MySqlDrizzleDatabase

const SERVERS: Record<ServerDriver, { start: (t: Test) => Promise<PrivateServer>, boundMs: number }> = {
  'node-postgres': { start: startPrivatePostgres, boundMs: 100 },
  'postgres-js': { start: startPrivatePostgres, boundMs: 100 },
  mysql2: { start: startPrivateMariadb, boundMs: 1000 }
}

/** A Drizzle database on `url` whose connections the restart may end; closed when the test ends. */
function databaseOn (t: Test, driver: ServerDriver, url: string): Database {
  if (driver === 'postgres-js') {
    const client = postgres(url, { max: 4, connect_timeout: 1, onnotice: () => {} })
    t.teardown(() => client.end({ timeout: 1 }))
    return drizzlePostgresJs({ client })
  }
  if (driver === 'mysql2') {
    const pool = mysql.createPool({ uri: url, connectionLimit: 4, connectTimeout: 500 })
    t.teardown(() => pool.end())
    return drizzleMysql({ client: pool })
  }
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 500 })
  // An idle connection the shutdown ends is the pool's to drop: without a
  // listener, node-postgres makes it the process's uncaught error.
  pool.on('error', () => {})
  t.teardown(() => pool.end())
  return drizzlePg({ client: pool })
}

/** Deletes a token's row behind the plugin's back. */
async function deleteRow (database: Database, driver: ServerDriver, digest: string): Promise<void> {
  if (driver === 'mysql2') {
    await (database as MySqlDrizzleDatabase).delete(mysqlTokens).where(eq(mysqlTokens.token, digest))
  } else {
    await (database as PgDrizzleDatabase).delete(pgTokens).where(eq(pgTokens.token, digest))
  }
}

async function instance (t: Test, database: Database, warnings: string[] = []): Promise<FastifyInstance> {
  const stream = { write: (line: string) => { const entry = JSON.parse(line); if (entry.level === 40) warnings.push(entry.msg) } }
  const app = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => app.close())
  await app.register(accessTokens, { database, cache: true })
  app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
  await app.ready()
  return app
}

async function login (app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  return response.json().access_token
}

async function status (app: FastifyInstance, token: string): Promise<number> {
  return (await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode
}

for (const driver of drivers.filter((name): name is ServerDriver => name in SERVERS)) {
  const { start, boundMs } = SERVERS[driver]
  t.test(`${driver}: the server restarts under load: no stale acceptance, no unhandled error, the cache again after`, async (t) => {
    const server = await start(t)
    const setup = databaseOn(t, driver, server.url)
    await migrate(setup)
    await createUser(setup, { email: 'a@example.com', password: PASSWORD })
    const warnings: string[] = []
    const app = await instance(t, databaseOn(t, driver, server.url), warnings)
    // The other instance makes the revocations, on connections of its own.
    const other = await instance(t, databaseOn(t, driver, server.url))
    const victims = [await login(app), await login(app), await login(app)]
    const live = await login(app)
    for (const token of [...victims, live]) t.equal(await status(app, token), 200)

    // Per victim: when its revocation had answered (performance.now()).
    const revokedAt = new Map<string, number>()
    const stale: string[] = []
    const seen = new Set<number>()
    const traffic = { running: true }
    const load = Array.from({ length: 6 }, async (_, n) => {
      while (traffic.running) {
        const token = n === 0 ? live : victims[n % victims.length]
        const startedAt = performance.now()
        const code = await status(app, token)
        seen.add(code)
        const revoked = revokedAt.get(token)
        if (code === 200 && revoked !== undefined && startedAt > revoked + boundMs) stale.push(`${(startedAt - revoked).toFixed(0)} ms after its revocation`)
        await sleep(1)
      }
    })

    for (const victim of victims) {
      await sleep(300)
      await server.restart()
      // At once after the restart, while the first instance may be reconnecting.
      // A revocation whose answer the restart cut off may have committed: then the token is unknown.
      const revoke = async (): Promise<boolean> => await other.accessTokens.revokeSession(hashToken(victim)).catch(() => false) ||
        await other.accessTokens.verify(victim).then((found) => found === null, () => false)
      t.ok(await until(revoke, 5000), 'revoked once the server is back')
      revokedAt.set(victim, performance.now())
    }
    await sleep(1500)
    traffic.running = false
    await Promise.all(load)

    t.same(stale, [], 'a revoked token was never accepted past the bound')
    t.same([...seen].filter((code) => ![200, 401, 503].includes(code)), [], 'only 200, 401 and 503')
    t.ok(seen.has(200), 'requests were answered throughout')
    for (const victim of victims) t.equal(await status(app, victim), 401)
    t.equal(await status(app, live), 200, 'the instance answers as before')
    t.ok(warnings.some((line) => LAPSE.test(line)), 'the lapse was logged')
    t.ok(await until(() => warnings.some((line) => RECOVERY.test(line)), 5000), 'and the recovery')
    // Served from the cache again: its row deleted behind the plugin's back, the token still passes.
    const cached = await login(app)
    t.equal(await status(app, cached), 200)
    await deleteRow(setup, driver, hashToken(cached))
    t.equal(await status(app, cached), 200, 'the cache serves again')
  })
}
