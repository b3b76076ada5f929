// A session id that cannot be a digest names no session: 404 or false, with
// no query, whatever bytes it holds (PostgreSQL text refuses NUL).
import t from 'tap'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

for (const driver of drivers) {
  t.test(`${driver}: ids that cannot be digests`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver })
    await addUser({ email: 'shape@example.com' })
    const token = await login('shape@example.com')
    for (const id of ['%00', 'a%00b', 'short', 'x'.repeat(44), '%C3%A9'.repeat(10)]) {
      const response = await app.inject({ method: 'DELETE', url: `/auth/sessions/${id}`, headers: bearer(token) })
      t.equal(response.statusCode, 404, id)
      t.equal(response.json().code, 'SESSION_NOT_FOUND', id)
    }
    for (const id of ['\u0000', 'short', '', 'é'.repeat(43)]) {
      t.equal(await app.accessTokens.revokeSession(id), false, JSON.stringify(id))
    }
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  })
}
