// The MySQL server goes away (connections reset, new ones refused): protected
// routes and login answer 503 TOKEN_STORE_UNAVAILABLE, and the same app
// answers 200 once the server is back. (A silent partition is a matter of
// TCP keepalive with mysql2, which has no pool-wide query timeout; see the
// README on database timeouts.)
import t from 'tap'
import mysql from 'mysql2/promise'
import { drizzle } from 'drizzle-orm/mysql2'
import { drivers, openDatabase } from './helpers/databases.js'
import { bearer } from './helpers/app.js'
import { loginBody, loginKinds, outageApp } from './helpers/outage-app.js'
import { startProxy } from './helpers/tcp-proxy.js'
import { within } from './helpers/within.js'

if (!drivers.includes('mysql2')) t.comment('TEST_MYSQL_URL is not set: the MySQL outage tests need a server')

for (const driver of drivers.filter((name) => name === 'mysql2')) {
  for (const loginWith of loginKinds) {
    t.test(`${driver}: server gone, ${loginWith}: 503 TOKEN_STORE_UNAVAILABLE, then 200 once back`, async (t) => {
      const direct = await openDatabase(driver)
      const url = new URL(direct.url!)
      const proxy = await startProxy({ host: url.hostname, port: Number(url.port || 3306) })
      url.host = `127.0.0.1:${proxy.port}`
      const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 4, connectTimeout: 500 })
      t.teardown(async () => {
        await pool.end()
        await proxy.close()
        await direct.close()
      })
      const { app, token } = await outageApp(t, direct, drizzle({ client: pool }), loginWith)

      proxy.cut('reset')
      const during = [
        await within(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody })),
        await within(app.inject({ url: '/me', headers: bearer(token) })),
        ...await Promise.all([
          ...Array.from({ length: 6 }, () => within(app.inject({ url: '/me', headers: bearer(token) }))),
          within(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody })),
          within(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }))
        ])
      ]
      for (const response of during) {
        t.equal(response.statusCode, 503)
        t.equal(response.json().code, 'TOKEN_STORE_UNAVAILABLE')
      }

      proxy.restore()
      t.equal((await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode, 200)
      const logins = await Promise.all(Array.from({ length: 6 }, () => within(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody }))))
      t.same(logins.map((response) => response.statusCode), [200, 200, 200, 200, 200, 200])
      t.equal((await within(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }))).statusCode, 204)
      t.equal((await within(app.inject({ url: '/me', headers: bearer(token) }))).statusCode, 401)
      // mysql2 keeps no public counters; these are its pool's own lists.
      const inner = (pool as unknown as { pool: { _allConnections: { length: number }, _freeConnections: { length: number } } }).pool
      t.equal(inner._freeConnections.length, inner._allConnections.length, 'no pool connection was lost to the outage')
      const rows = await direct.query('select count(*) as n from access_token')
      t.equal(Number(rows[0].n), 6, 'the logins after the outage, nothing from during it')
    })
  }
}
