// revokeAll drops cached tokens even when the user id it is given is written
// otherwise than the cached one, but matches the same rows: a UUID in
// capitals on PostgreSQL (uuid type) and MySQL (case-insensitive collation).
import t from 'tap'
import { drivers, FAMILY } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

for (const driver of drivers.filter((name) => FAMILY[name] !== 'sqlite')) {
  t.test(`${driver}: revokeAll with the id in capitals ends cached sessions at once`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver, plugin: { cache: true } })
    const id = await addUser({ email: 'caps@example.com' })
    const token = await login('caps@example.com')
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'cached')
    t.equal(await app.accessTokens.revokeAll(id.toUpperCase()), 1)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  })
}

t.test('revokeAll with except keeps that session, cache on', async (t) => {
  const { app, addUser, login } = await buildApp(t, { plugin: { cache: true } })
  const id = await addUser({ email: 'keep@example.com' })
  const kept = await login('keep@example.com')
  const ended = await login('keep@example.com')
  for (const token of [kept, ended]) t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  const session = await app.accessTokens.verify(kept)
  t.equal(await app.accessTokens.revokeAll(id, { except: session!.session.id }), 1)
  t.equal((await app.inject({ url: '/me', headers: bearer(kept) })).statusCode, 200)
  t.equal((await app.inject({ url: '/me', headers: bearer(ended) })).statusCode, 401)
})
