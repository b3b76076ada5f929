// The database goes away: protected routes and login answer 503
// TOKEN_STORE_UNAVAILABLE after the pool's timeouts, never hang, and the
// same app answers 200 once the network is back.
import t from 'tap'
import pg from 'pg'
import { drizzle } from 'drizzle-orm/node-postgres'
import { drivers, openDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD, status } from './helpers/app.js'
import { loginBody, loginKinds, outageApp } from './helpers/outage-app.js'
import { startProxy, type CutMode } from './helpers/tcp-proxy.js'
import { within as answered } from './helpers/within.js'

// What the README asks users to set: without them a partition hangs requests
// until the operating system gives up on the connection.
const POOL_TIMEOUTS = { connectionTimeoutMillis: 500, query_timeout: 500 }

if (!drivers.includes('node-postgres')) t.comment('TEST_PG_URL is not set: the PostgreSQL outage tests need a server')

const cases = (['stall', 'reset'] as CutMode[]).flatMap((mode) => loginKinds.map((loginWith) => ({ mode, loginWith })))

for (const driver of drivers.filter((name) => name === 'node-postgres')) {
  for (const { mode, loginWith } of cases) {
    t.test(`${driver}: network ${mode}, ${loginWith}: 503 TOKEN_STORE_UNAVAILABLE, then 200 once restored`, async (t) => {
      const direct = await openDatabase(driver)
      const url = new URL(direct.url!)
      const proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) })
      url.host = `127.0.0.1:${proxy.port}`
      const pool = new pg.Pool({ connectionString: url.toString(), max: 4, ...POOL_TIMEOUTS })
      // An idle client whose connection dies is an 'error' on the pool; without
      // a listener that would end the process.
      pool.on('error', () => {})
      t.teardown(async () => {
        await pool.end()
        await proxy.close()
        await direct.close()
      })

      const { app, token } = await outageApp(t, direct, drizzle({ client: pool }), loginWith)
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)

      proxy.cut(mode)
      // One request at a time first, each meeting the connections left idle in
      // the pool; then more at once than the pool has connections.
      const during = [
        await answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody })),
        await answered(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })),
        await answered(app.inject({ url: '/me', headers: bearer(token) })),
        ...await Promise.all([
          ...Array.from({ length: 6 }, () => answered(app.inject({ url: '/me', headers: bearer(token) }))),
          answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody })),
          answered(app.inject({ url: '/auth/sessions', headers: bearer(token) })),
          answered(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }))
        ])
      ]
      for (const response of during) {
        t.equal(response.statusCode, 503)
        t.equal(response.json().code, 'TOKEN_STORE_UNAVAILABLE')
        t.notMatch(response.body, /at .*\.(ts|js):\d+/, 'no stack trace in the answer')
      }

      proxy.restore()
      const me = await answered(app.inject({ url: '/me', headers: bearer(token) }))
      t.equal(me.statusCode, 200)
      t.equal(me.json().email, 'a@example.com')
      // Login runs a transaction: it must find a working pool connection too.
      const fresh = await answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody }))
      t.equal(fresh.statusCode, 200)
      const logins = await Promise.all(Array.from({ length: 6 }, () => answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody }))))
      t.same(logins.map((response) => response.statusCode), [200, 200, 200, 200, 200, 200])
      const out = await answered(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }))
      t.equal(out.statusCode, 204)
      t.equal((await answered(app.inject({ url: '/me', headers: bearer(token) }))).statusCode, 401)
      t.equal(pool.idleCount, pool.totalCount, 'no pool connection was lost to the outage')
      const rows = await direct.query('select count(*)::int as n from access_token')
      t.equal(rows[0].n, 7, 'the logins after the outage, nothing from during it')
    })
  }
}

for (const driver of drivers.filter((name) => name === 'node-postgres')) {
  t.test(`${driver}: on a single pg.Client (no pool), maxTokensPerUser still trims in a transaction`, async (t) => {
    const direct = await openDatabase(driver)
    const client = new pg.Client({ connectionString: direct.url!, ...POOL_TIMEOUTS })
    await client.connect()
    t.teardown(async () => {
      await client.end()
      await direct.close()
    })
    const { app, addUser, login } = await buildApp(t, { tdb: { ...direct, db: drizzle({ client }) }, plugin: { maxTokensPerUser: 2 } })
    await addUser({ email: 'a@example.com' })
    const tokens = [await login('a@example.com'), await login('a@example.com'), await login('a@example.com')]
    t.same([await status(app, tokens[0]), await status(app, tokens[1]), await status(app, tokens[2])], [401, 200, 200])
  })
}

for (const driver of drivers.filter((name) => name === 'node-postgres')) {
  t.test(`${driver}: a connection killed in the middle of a login transaction: 503, then 200`, async (t) => {
    const direct = await openDatabase(driver)
    const pool = new pg.Pool({ connectionString: direct.url!, max: 2 })
    pool.on('error', () => {})
    const holder = new pg.Client({ connectionString: direct.url! })
    await holder.connect()
    t.teardown(async () => {
      await holder.end()
      await pool.end()
      await direct.close()
    })
    // maxTokensPerUser: the login's insert runs in a transaction.
    const { app, addUser } = await buildApp(t, { tdb: { ...direct, db: drizzle({ client: pool }) }, plugin: { maxTokensPerUser: 5 } })
    await addUser({ email: 'a@example.com' })
    const loginBody = { username: 'a@example.com', password: PASSWORD }

    // The login's insert waits behind this lock, inside its transaction...
    await holder.query('begin')
    await holder.query('lock table access_token in exclusive mode')
    const pending = answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody }))
    let waiting: number | undefined
    while (waiting === undefined) {
      const { rows } = await holder.query("select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()")
      waiting = rows[0]?.pid
    }
    // ...where its connection is killed.
    await holder.query('select pg_terminate_backend($1)', [waiting])
    const response = await pending
    t.equal(response.statusCode, 503)
    t.equal(response.json().code, 'TOKEN_STORE_UNAVAILABLE')
    await holder.query('rollback')

    const again = await answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody }))
    t.equal(again.statusCode, 200)
    t.equal(pool.idleCount, pool.totalCount, 'the killed connection was not kept')
    const rows = await direct.query('select count(*)::int as n from access_token')
    t.equal(rows[0].n, 1)
  })
}
