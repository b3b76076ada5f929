// createUser, and the built-in authenticate's handling of unknown emails.
import * as realCrypto from 'node:crypto'
import t from 'tap'
import Fastify from 'fastify'
import { createUser, errors, verifyPassword } from '../index.js'
import { drivers, openDatabase, FAMILY } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'

for (const driver of drivers) {
  t.test(`${driver}: createUser returns the user without the hash, email lower-cased`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const user = await createUser(tdb.db, { email: '  Alice@Example.COM ', password: PASSWORD })
    t.match(user.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID v4')
    t.strictSame(user, { id: user.id, email: 'alice@example.com', isActive: true, isSuperuser: false, isVerified: false })

    const [row] = await tdb.query(FAMILY[driver] === 'mysql' ? 'select * from `user`' : 'select * from "user"')
    t.equal(row.email, 'alice@example.com')
    t.not(row.hashed_password, PASSWORD)
    t.match(row.hashed_password, /^\$scrypt\$/)
    t.ok(await verifyPassword(PASSWORD, row.hashed_password as string), 'the stored hash matches the password')
  })

  t.test(`${driver}: a duplicate email, in any case, is USER_ALREADY_EXISTS`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    await createUser(tdb.db, { email: 'bob@example.com', password: PASSWORD })
    for (const email of ['bob@example.com', 'BOB@example.com', ' Bob@Example.Com']) {
      const error = await createUser(tdb.db, { email, password: 'another password' }).then(() => null, (error: Error & { code?: string, statusCode?: number }) => error)
      t.equal(error?.code, 'USER_ALREADY_EXISTS', email)
      t.ok(error instanceof errors.USER_ALREADY_EXISTS)
      t.equal(error?.statusCode, 409)
    }
    t.equal((await tdb.query(FAMILY[driver] === 'mysql' ? 'select id from `user`' : 'select id from "user"')).length, 1)
  })

  t.test(`${driver}: flags are stored`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const user = await createUser(tdb.db, { email: 'root@example.com', password: PASSWORD, isActive: false, isVerified: true, isSuperuser: true })
    t.same(user, { id: user.id, email: 'root@example.com', isActive: false, isVerified: true, isSuperuser: true })
    const [row] = await tdb.query(FAMILY[driver] === 'mysql' ? 'select * from `user`' : 'select * from "user"')
    t.same([row.is_active, row.is_verified, row.is_superuser].map(Boolean), [false, true, true])
  })

  t.test(`${driver}: a created user logs in, with the email in any case`, async (t) => {
    const { app, tdb } = await buildApp(t, { driver })
    await createUser(tdb.db, { email: 'Carol@Example.com', password: PASSWORD, isVerified: true })
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'CAROL@example.COM', password: PASSWORD } })
    t.equal(login.statusCode, 200)
    const me = await app.inject({ url: '/me', headers: bearer(login.json().access_token) })
    t.equal(me.json().email, 'carol@example.com')
    t.notOk('hashedPassword' in me.json())
  })
}

t.test('createUser refuses bad input', async (t) => {
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  await t.rejects(createUser({} as never, { email: 'x@example.com', password: PASSWORD }), TypeError, 'not a Drizzle database')
  await t.rejects(createUser('app.db' as never, { email: 'x@example.com', password: PASSWORD }), TypeError)
  for (const email of [undefined, '', '   ', 42]) {
    await t.rejects(createUser(tdb.db, { email, password: PASSWORD } as never), TypeError, `email ${JSON.stringify(email)}`)
  }
  await t.rejects(createUser(tdb.db, null as never), TypeError)
  await t.rejects(createUser(tdb.db, { email: 'x@example.com', password: '' }), TypeError, 'empty password')
  t.same(await tdb.query('select id from user'), [], 'nothing inserted')
})

t.test('createUser on a database without the user table is a store failure', async (t) => {
  const tdb = await openDatabase('better-sqlite3', { migrated: false })
  t.teardown(() => tdb.close())
  await t.rejects(createUser(tdb.db, { email: 'x@example.com', password: PASSWORD }), { code: 'TOKEN_STORE_UNAVAILABLE', statusCode: 503 })
})

// The built-in authenticate hashes a password for an unknown email too, so
// the answer time does not tell which emails have accounts. Shown without
// timing: node:crypto's scrypt is counted under the plugin.
t.test('the built-in authenticate runs scrypt for unknown emails as for known ones', async (t) => {
  let scryptCalls = 0
  const scrypt = (...args: unknown[]): void => {
    scryptCalls++
    return (realCrypto.scrypt as (...args: unknown[]) => void)(...args)
  }
  const password = await t.mockImport<typeof import('../lib/password.js')>('../lib/password.js', { 'node:crypto': { ...realCrypto, scrypt } })
  const login = await t.mockImport<typeof import('../lib/login.js')>('../lib/login.js', { '../lib/password.js': password })
  const { accessTokensPlugin } = await t.mockImport<typeof import('../lib/plugin.js')>('../lib/plugin.js', { '../lib/login.js': login })

  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  await createUser(tdb.db, { email: 'known@example.com', password: PASSWORD })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(accessTokensPlugin, { database: tdb.db })

  const attempt = async (username: string, pw: string): Promise<{ status: number, calls: number }> => {
    const before = scryptCalls
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: pw } })
    return { status: response.statusCode, calls: scryptCalls - before }
  }
  // The first unknown email also makes the dummy hash, once per process.
  const first = await attempt('nobody@example.com', 'whatever')
  t.equal(first.status, 400)
  t.equal(first.calls, 2, 'the dummy hash is made, then checked')

  t.same(await attempt('known@example.com', 'wrong password'), { status: 400, calls: 1 }, 'known email, wrong password: one scrypt')
  t.same(await attempt('someone-else@example.com', 'whatever'), { status: 400, calls: 1 }, 'unknown email: one scrypt as well')
  t.same(await attempt('known@example.com', PASSWORD), { status: 200, calls: 1 }, 'success: one scrypt')
})

t.test('the built-in authenticate answers an inactive user the same with or without the right password', async (t) => {
  const { app, tdb } = await buildApp(t)
  await createUser(tdb.db, { email: 'off@example.com', password: PASSWORD, isActive: false })
  for (const pw of [PASSWORD, 'wrong password']) {
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'off@example.com', password: pw } })
    t.equal(response.statusCode, 400)
    t.equal(response.json().code, 'LOGIN_BAD_CREDENTIALS', 'the same answer with and without the right password')
  }
})
