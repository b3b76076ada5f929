import t from 'tap'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

for (const driver of drivers) {
  t.test(`${driver}: login, me, logout`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver })
    await addUser({ email: 'a@example.com' })
    const token = await login('A@example.com')
    const me = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(me.statusCode, 200)
    t.equal(me.json().email, 'a@example.com')
    const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    t.equal(out.statusCode, 204)
    const again = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(again.statusCode, 401)
  })
}
