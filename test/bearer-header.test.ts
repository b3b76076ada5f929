// `Authorization: Bearer <token>`: the scheme, malformed values, and which
// requests reach the database at all.
import t from 'tap'
import fc from 'fast-check'
import { eq } from 'drizzle-orm'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, type TestApp } from './helpers/app.js'
import { failingDatabase } from './helpers/failing-database.js'

const CHALLENGE = 'Bearer'
const INVALID = 'Bearer error="invalid_token"'
const WELL_FORMED = 'W'.repeat(43)

/** GET /me with this Authorization header, or none. */
const me = (app: TestApp['app'], authorization?: string) => app.inject({ url: '/me', headers: authorization === undefined ? {} : { authorization } })

/** Header values that cannot carry a token: each is refused without a query. */
function malformed (token: string): Array<[string, string]> {
  return [
    ['`Bearer` alone', 'Bearer'],
    ['`Bearer ` with nothing after it', 'Bearer '],
    ['too short', `Bearer ${token.slice(0, 42)}`],
    ['too long', `Bearer ${token}A`],
    ['standard base64 `+`', `Bearer +${token.slice(1)}`],
    ['standard base64 `/`', `Bearer /${token.slice(1)}`],
    ['padding', `Bearer ${token.slice(0, 42)}=`],
    ['a dot', `Bearer ${token.slice(0, 42)}.`],
    ['Latin-1 letter', `Bearer é${token.slice(1)}`],
    ['non-ASCII, valid length in UTF-8 bytes', `Bearer é${token.slice(2)}`],
    ['a space inside', `Bearer ${token.slice(0, 20)} ${token.slice(20, 42)}`],
    ['a second word after it', `Bearer ${token} extra`],
    ['a huge value', `Bearer ${'A'.repeat(64 * 1024)}`],
    ['a JWT-like value', `Bearer ${token}.${token}.${token}`],
    ['quoted', `Bearer "${token.slice(0, 41)}"`]
  ]
}

for (const driver of drivers) {
  t.test(`${driver}: the Bearer header`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const id = await addUser({ email: 'ann@example.com' })
    const { token } = await app.accessTokens.issue(id)

    t.test('a valid token opens the route', async (t) => {
      const response = await me(app, `Bearer ${token}`)
      t.equal(response.statusCode, 200)
      t.equal(response.json().id, id)
    })

    t.test('the scheme is case-insensitive', async (t) => {
      for (const scheme of ['bearer', 'BEARER', 'BeArEr', 'bEARER']) {
        t.equal((await me(app, `${scheme} ${token}`)).statusCode, 200, scheme)
      }
    })

    t.test('RFC 6750 allows more than one space after the scheme', async (t) => {
      t.equal((await me(app, `Bearer   ${token}`)).statusCode, 200)
    })

    t.test('no header: 401 with a bare challenge', async (t) => {
      const response = await me(app)
      t.equal(response.statusCode, 401)
      t.equal(response.json().code, 'UNAUTHORIZED')
      t.equal(response.headers['www-authenticate'], CHALLENGE)
    })

    t.test('other schemes are ignored: 401 without invalid_token', async (t) => {
      for (const header of ['Basic YW5uOnNlY3JldA==', `Token ${token}`, `Bearer_${token}`, `Bearers ${token}`, token, '']) {
        const response = await me(app, header)
        t.equal(response.statusCode, 401, JSON.stringify(header.slice(0, 16)))
        t.equal(response.headers['www-authenticate'], CHALLENGE, 'no token was presented')
      }
    })

    t.test('malformed values: 401 with invalid_token', async (t) => {
      for (const [name, header] of malformed(token)) {
        const response = await me(app, header)
        t.equal(response.statusCode, 401, name)
        t.equal(response.json().code, 'UNAUTHORIZED', name)
        t.equal(response.headers['www-authenticate'], INVALID, name)
      }
    })

    t.test('an unknown well-formed token: 401 with invalid_token', async (t) => {
      const response = await me(app, `Bearer ${WELL_FORMED}`)
      t.equal(response.statusCode, 401)
      t.equal(response.headers['www-authenticate'], INVALID)
    })

    t.test('a valid token whose user was deleted: 401', async (t) => {
      const goneId = await addUser({ email: 'gone@example.com' })
      const { token: orphan } = await app.accessTokens.issue(goneId)
      t.equal((await me(app, `Bearer ${orphan}`)).statusCode, 200)
      const { users } = tdb.schema
      await tdb.db.delete(users).where(eq(users.id, goneId))
      const response = await me(app, `Bearer ${orphan}`)
      t.equal(response.statusCode, 401)
      t.equal(response.headers['www-authenticate'], INVALID)
      t.equal(await app.accessTokens.verify(orphan), null, 'verify() finds nothing either')
    })
  })

  t.test(`${driver}: a token whose getUser finds no user is refused`, async (t) => {
    let present = true
    const { app, addUser } = await buildApp(t, {
      driver,
      plugin: {
        getUser: async (userId: string) => present ? { id: userId, email: 'kept@example.com' } : null
      }
    })
    const id = await addUser({ email: 'kept@example.com' })
    const { token } = await app.accessTokens.issue(id)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    present = false
    const response = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(response.statusCode, 401)
    t.equal(response.headers['www-authenticate'], INVALID)
  })

  t.test(`${driver}: malformed headers are refused without a query`, async (t) => {
    const tdb = await failingDatabase(driver)
    t.teardown(() => tdb.close())
    const { app } = await buildApp(t, { driver, tdb })
    tdb.fail()

    // The control: a header that could hold a token does reach the database.
    const wellFormed = await me(app, `Bearer ${WELL_FORMED}`)
    t.equal(wellFormed.statusCode, 503, 'a well-formed token is looked up, and this database fails')
    t.equal(wellFormed.json().code, 'TOKEN_STORE_UNAVAILABLE')

    for (const [name, header] of malformed(WELL_FORMED)) {
      t.equal((await me(app, header)).statusCode, 401, name)
    }
    t.equal((await me(app, 'Basic YW5uOnNlY3JldA==')).statusCode, 401, 'another scheme')
    t.equal((await me(app)).statusCode, 401, 'no header')

    // Whatever the header holds, the answer is a 401, or a 503 for the
    // values that are well-formed tokens; never a 500.
    const headerChar = fc.oneof(
      fc.constantFrom(' ', '\t', '=', '+', '/', '.', '-', '_', '"', ','),
      fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code))
    )
    const value = fc.string({ unit: headerChar, maxLength: 80 })
    const header = fc.oneof(
      value,
      value.map((rest) => `Bearer ${rest}`),
      fc.string({ unit: fc.constantFrom(...'ABCxyz019-_'), minLength: 43, maxLength: 43 }).map((rest) => `bearer ${rest}`)
    )
    await fc.assert(fc.asyncProperty(header, async (authorization) => {
      const response = await me(app, authorization.trim())
      const wellFormedToken = /^bearer +[A-Za-z0-9_-]{43} *$/i.test(authorization.trim())
      return response.statusCode === (wellFormedToken ? 503 : 401)
    }), { numRuns: 300 })
  })
}
