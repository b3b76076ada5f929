import t from 'tap'
import { dialects } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

for (const dialect of dialects) {
  t.test(`${dialect}: login, me, logout`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { dialect })
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
