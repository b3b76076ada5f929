// Regressions of the login route: a form parser the application registered
// itself, Cache-Control on every answer, a stored hash that cannot be
// checked, and an onLogin refusal whose cleanup fails too.
import t from 'tap'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import { eq } from 'drizzle-orm'
import accessTokens from '../index.js'
import { openDatabase } from './helpers/databases.js'
import { buildApp, PASSWORD } from './helpers/app.js'

t.test('an application that registered @fastify/formbody itself still starts and takes form logins', async (t) => {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(formbody)
  await app.register(accessTokens, { database: tdb.db })
  await app.ready()
  await tdb.db.insert(tdb.schema.users).values({ id: crypto.randomUUID(), email: 'form@example.com', hashedPassword: 'x' })
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'username=form%40example.com&password=wrong'
  })
  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'LOGIN_BAD_CREDENTIALS')
})

t.test('every login answer carries Cache-Control: no-store, validation errors included', async (t) => {
  const { app } = await buildApp(t)
  const answers = [
    await app.inject({ method: 'POST', url: '/auth/login', payload: {} }),
    await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"broken' }),
    await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'nobody@example.com', password: 'x' } })
  ]
  t.same(answers.map((answer) => answer.statusCode), [400, 400, 400])
  for (const answer of answers) t.equal(answer.headers['cache-control'], 'no-store')
})

t.test('a user whose stored hash cannot be checked is refused like an unknown one', async (t) => {
  const { app, tdb } = await buildApp(t)
  await tdb.db.insert(tdb.schema.users).values({ id: crypto.randomUUID(), email: 'odd@example.com', hashedPassword: 'not a hash' })
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'odd@example.com', password: 'not a hash' } })
  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'LOGIN_BAD_CREDENTIALS')
})

t.test('when onLogin refuses and the token cannot be revoked, the refusal still answers', async (t) => {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const refusal = Object.assign(new Error('not today'), { statusCode: 418 })
  const { app, addUser } = await buildApp(t, {
    tdb,
    plugin: {
      onLogin: async () => {
        // The cleanup that follows finds no table to delete from.
        await tdb.query('drop table access_token')
        throw refusal
      }
    }
  })
  const id = await addUser({ email: 'refused@example.com' })
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'refused@example.com', password: PASSWORD } })
  t.equal(response.statusCode, 418)
  t.equal(response.json().message, 'not today')
  t.notOk(response.body.includes('access_token"'), 'no token in the answer')
  t.equal((await tdb.db.select().from(tdb.schema.users).where(eq(tdb.schema.users.id, id))).length, 1)
})
