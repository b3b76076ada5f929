// postgres.js loses the server: protected routes and login answer 503
// TOKEN_STORE_UNAVAILABLE, and the same app answers 200 once the network is
// back. postgres.js has no per-query timeout of its own, so the network here
// resets connections rather than stalling them.
import t from 'tap'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { drivers, openDatabase } from './helpers/databases.js'
import { bearer } from './helpers/app.js'
import { loginBody, loginKinds, outageApp } from './helpers/outage-app.js'
import { startProxy } from './helpers/tcp-proxy.js'
import { within as answered } from './helpers/within.js'

for (const driver of drivers.filter((name) => name === 'postgres-js')) {
  for (const loginWith of loginKinds) {
    t.test(`${driver}: connections reset, ${loginWith}: 503 TOKEN_STORE_UNAVAILABLE, then 200 once restored`, async (t) => {
      const direct = await openDatabase(driver)
      const url = new URL(direct.url!)
      const proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) })
      url.host = `127.0.0.1:${proxy.port}`
      const client = postgres(url.toString(), { max: 4, connect_timeout: 1, onnotice: () => {} })
      t.teardown(async () => {
        await client.end({ timeout: 1 })
        await proxy.close()
        await direct.close()
      })

      const { app, token } = await outageApp(t, direct, drizzle({ client }), loginWith)
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)

      proxy.cut('reset')
      const during = [
        await answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody })),
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
      const logins = await Promise.all(Array.from({ length: 6 }, () => answered(app.inject({ method: 'POST', url: '/auth/login', payload: loginBody }))))
      t.same(logins.map((response) => response.statusCode), [200, 200, 200, 200, 200, 200])
      const rows = await direct.query('select count(*)::int as n from access_token')
      t.equal(rows[0].n, 7, 'the logins after the outage and the first, nothing from during it')
    })
  }
}
