// POST /auth/logout: ends the session of the request, and only that one.
import t from 'tap'
import { eq } from 'drizzle-orm'
import { hashToken } from '../index.js'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'
import type { TestDatabase } from './helpers/databases.js'

async function rowsOf (tdb: TestDatabase, token: string): Promise<number> {
  const rows = await tdb.query('select token from access_token')
  return rows.filter((row) => row.token === hashToken(token)).length
}

for (const driver of drivers) {
  t.test(`${driver}: logout`, async (t) => {
    const { app, tdb, addUser, login } = await buildApp(t, { driver })
    const userId = await addUser({ email: 'ann@example.com' })
    const logout = (headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/auth/logout', headers })

    t.test('without a token: 401', async (t) => {
      const response = await logout()
      t.equal(response.statusCode, 401)
      t.equal(response.json().code, 'UNAUTHORIZED')
      t.equal(response.headers['www-authenticate'], 'Bearer')
    })

    t.test('with an unknown token: 401', async (t) => {
      const response = await logout(bearer('A'.repeat(43)))
      t.equal(response.statusCode, 401)
      t.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"')
    })

    t.test('with a token: 204, the row is gone and the token is refused', async (t) => {
      const token = await login('ann@example.com')
      const other = await login('ann@example.com')
      t.equal(await rowsOf(tdb, token), 1)

      const response = await logout(bearer(token))
      t.equal(response.statusCode, 204)
      t.equal(response.body, '')
      t.equal(response.headers['set-cookie'], undefined, 'no cookie to clear without the cookie transport')
      t.equal(await rowsOf(tdb, token), 0, 'the row is deleted')

      const me = await app.inject({ url: '/me', headers: bearer(token) })
      t.equal(me.statusCode, 401)
      t.equal(me.headers['www-authenticate'], 'Bearer error="invalid_token"')
      t.equal((await logout(bearer(token))).statusCode, 401, 'a second logout with it is refused')

      const stillIn = await app.inject({ url: '/me', headers: bearer(other) })
      t.equal(stillIn.statusCode, 200, 'the other session of the same user lives on')
      t.equal(await rowsOf(tdb, other), 1)
    })

    t.test('an inactive user may still log out', async (t) => {
      const token = await login('ann@example.com')
      const { users } = tdb.schema
      await tdb.db.update(users).set({ isActive: false }).where(eq(users.id, userId))
      t.teardown(() => tdb.db.update(users).set({ isActive: true }).where(eq(users.id, userId)))

      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, 'the token no longer opens protected routes')
      const response = await logout(bearer(token))
      t.equal(response.statusCode, 204)
      t.equal(await rowsOf(tdb, token), 0, 'and its row is deleted')
    })

    t.test('with cookies on, logout clears the cookie', async (t) => {
      const cookieApp = await buildApp(t, { driver, plugin: { cookie: true } })
      await cookieApp.addUser({ email: 'ann@example.com' })
      const host = 'app.example.com'

      for (const via of ['cookie', 'bearer'] as const) {
        const token = await cookieApp.login('ann@example.com')
        const headers: Record<string, string> = via === 'cookie'
          ? { host, origin: `http://${host}`, cookie: `access_token=${token}` }
          : bearer(token)
        const response = await cookieApp.app.inject({ method: 'POST', url: '/auth/logout', headers })
        t.equal(response.statusCode, 204, via)
        const cleared = (response.cookies as Array<{ name: string, value: string, maxAge?: number }>)
          .find((cookie) => cookie.name === 'access_token')
        t.equal(cleared?.value, '', `${via}: the cookie is emptied`)
        t.equal(cleared?.maxAge, 0, `${via}: and expires at once`)
        t.match(response.headers['set-cookie'], /Max-Age=0/)
        t.equal(await rowsOf(cookieApp.tdb, token), 0, `${via}: the row is deleted`)
        const me = await cookieApp.app.inject({ url: '/me', cookies: { access_token: token } })
        t.equal(me.statusCode, 401, `${via}: the cookie no longer works`)
      }
    })
  })
}
