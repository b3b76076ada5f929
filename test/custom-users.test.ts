// The application's own user lookup: `authenticate` and `getUser` with
// `users: false`, and the onLogin / onLogout callbacks.
import t, { type Test } from 'tap'
import { eq } from 'drizzle-orm'
import type { FastifyRequest, FastifyReply } from 'fastify'
import { verifyPassword } from '../index.js'
import { drivers, openDatabase, type TestDriver, FAMILY } from './helpers/databases.js'
import { buildApp, bearer, cachedHash, PASSWORD } from './helpers/app.js'
import { ownTables } from './helpers/own-tables.js'

interface Member { id: number, handle: string, role: string, isActive?: boolean, isVerified?: boolean }

/**
 * An app with `users: false` on tables of its own: authenticate and getUser
 * read them, record their calls, and answer as `override` says; one member,
 * pat@example.com.
 */
async function appWithOwnUserLookup (t: Test, driver: TestDriver, plugin: Record<string, unknown> = {}) {
  const own = ownTables(FAMILY[driver])[0]
  const tdb = await openDatabase(driver, { migrated: false })
  t.teardown(() => tdb.close())
  await own.create(tdb)
  const accounts = own.users

  const calls = {
    authenticate: [] as Array<{ username: string, password: string, hasRequest: boolean }>,
    getUser: [] as unknown[]
  }
  /** Overrides for the next calls: a flag the user lookup returns, or null. */
  const override: { inactive: boolean, unverified: boolean, missing: boolean } = { inactive: false, unverified: false, missing: false }

  const toMember = (row: { id: number, email: string }): Member => ({
    id: row.id,
    handle: row.email.split('@')[0],
    role: 'member',
    ...(override.inactive ? { isActive: false } : {}),
    ...(override.unverified ? {} : { isVerified: true })
  })

  const built = await buildApp(t, {
    driver,
    tdb,
    plugin: {
      users: false,
      tokens: own.tokens,
      async authenticate ({ username, password }: { username: string, password: string }, request: FastifyRequest) {
        calls.authenticate.push({ username, password, hasRequest: typeof request.headers === 'object' })
        const [row] = await tdb.db.select().from(accounts).where(eq(accounts.email, username))
        if (row === undefined || !await verifyPassword(password, row.hashedPassword)) return null
        return toMember(row)
      },
      async getUser (id: number) {
        calls.getUser.push(id)
        if (override.missing) return null
        const [row] = await tdb.db.select().from(accounts).where(eq(accounts.id, id))
        return row === undefined ? null : toMember(row)
      },
      ...plugin
    }
  })
  const tokenCount = async (): Promise<number> => (await tdb.query('select token from account_token')).length
  await tdb.db.insert(accounts).values({ email: 'pat@example.com', hashedPassword: await cachedHash(PASSWORD) })
  const [member] = await tdb.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.email, 'pat@example.com'))
  return { ...built, calls, override, member, tokenCount }
}

const credentials = { username: 'pat@example.com', password: PASSWORD }

for (const driver of drivers) {
  t.test(`${driver}: own authenticate and getUser`, async (t) => {
    const { app, calls, member, tokenCount } = await appWithOwnUserLookup(t, driver)
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: credentials, headers: { 'user-agent': 'Custom/1' } })
    t.equal(login.statusCode, 200)
    t.same(calls.authenticate, [{ username: 'pat@example.com', password: PASSWORD, hasRequest: true }], 'authenticate gets the credentials and the request')
    t.equal(await tokenCount(), 1)
    const token = login.json().access_token

    const me = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(me.statusCode, 200)
    t.strictSame(me.json(), { id: member.id, handle: 'pat', role: 'member', isVerified: true }, 'request.user is what getUser returns')
    t.same(calls.getUser, [member.id], 'getUser gets the user id with its own type')

    const wrong = await app.inject({ method: 'POST', url: '/auth/login', payload: { ...credentials, password: 'wrong password' } })
    t.equal(wrong.statusCode, 400)
    t.equal(wrong.json().code, 'LOGIN_BAD_CREDENTIALS', 'authenticate returning null')
    t.equal(await tokenCount(), 1)
  })

  t.test(`${driver}: own authenticate returning an inactive user`, async (t) => {
    const { app, override, tokenCount } = await appWithOwnUserLookup(t, driver)
    override.inactive = true
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: credentials })
    t.equal(login.statusCode, 400)
    t.equal(login.json().code, 'LOGIN_BAD_CREDENTIALS')
    t.equal(await tokenCount(), 0, 'no token issued')
  })

  t.test(`${driver}: own authenticate and requireVerified`, async (t) => {
    const { app, override, tokenCount } = await appWithOwnUserLookup(t, driver, { requireVerified: true })
    override.unverified = true
    const refused = await app.inject({ method: 'POST', url: '/auth/login', payload: credentials })
    t.equal(refused.statusCode, 400)
    t.equal(refused.json().code, 'LOGIN_USER_NOT_VERIFIED', 'isVerified absent is not verified')
    t.equal(await tokenCount(), 0)
    override.unverified = false
    t.equal((await app.inject({ method: 'POST', url: '/auth/login', payload: credentials })).statusCode, 200)
  })

  t.test(`${driver}: getUser returning null refuses the token`, async (t) => {
    const { app, override, login } = await appWithOwnUserLookup(t, driver)
    const token = await login('pat@example.com')
    override.missing = true
    const me = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(me.statusCode, 401)
    t.equal(me.json().code, 'UNAUTHORIZED')
    t.equal(me.headers['www-authenticate'], 'Bearer error="invalid_token"')
    t.equal(await app.accessTokens.verify(token), null)
    override.missing = false
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'the token itself was not touched')
  })

  t.test(`${driver}: onLogin is called after the token is issued, before the reply`, async (t) => {
    let built: Awaited<ReturnType<typeof appWithOwnUserLookup>> | null = null
    const seen: Array<{ user: Member, tokens: number, url: string, sent: boolean }> = []
    built = await appWithOwnUserLookup(t, driver, {
      async onLogin (user: Member, request: FastifyRequest, reply: FastifyReply) {
        seen.push({ user, tokens: await built!.tokenCount(), url: request.url, sent: reply.sent })
        reply.header('x-welcome', user.handle)
      }
    })
    const login = await built.app.inject({ method: 'POST', url: '/auth/login', payload: credentials })
    t.equal(login.statusCode, 200)
    t.equal(login.headers['x-welcome'], 'pat', 'onLogin can still shape the reply')
    t.same(seen, [{ user: { id: built.member.id, handle: 'pat', role: 'member', isVerified: true }, tokens: 1, url: '/auth/login', sent: false }])
    const wrong = await built.app.inject({ method: 'POST', url: '/auth/login', payload: { ...credentials, password: 'nope' } })
    t.equal(wrong.statusCode, 400)
    t.equal(seen.length, 1, 'not called for a failed login')
  })

  t.test(`${driver}: onLogin throwing revokes the new token and its error answers`, async (t) => {
    let issued: string | null = null
    const built = await appWithOwnUserLookup(t, driver, {
      async onLogin () {
        const rows = await built.tokenCount()
        issued = rows === 1 ? 'yes' : 'no'
        throw Object.assign(new Error('account locked'), { statusCode: 423, code: 'ACCOUNT_LOCKED' })
      }
    })
    const response = await built.app.inject({ method: 'POST', url: '/auth/login', payload: credentials })
    t.equal(issued, 'yes', 'the token existed while onLogin ran')
    t.equal(response.statusCode, 423)
    t.match(response.json(), { statusCode: 423, code: 'ACCOUNT_LOCKED', message: 'account locked' })
    t.notOk('access_token' in response.json())
    t.equal(await built.tokenCount(), 0, 'the row is gone')
  })

  t.test(`${driver}: onLogout is called on logout and logout-all`, async (t) => {
    const seen: Array<{ user: Member, url: string }> = []
    const built = await appWithOwnUserLookup(t, driver, {
      async onLogout (user: Member, request: FastifyRequest) {
        seen.push({ user, url: request.url })
      }
    })
    const user = { id: built.member.id, handle: 'pat', role: 'member', isVerified: true }
    const token = await built.login('pat@example.com')
    t.equal((await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
    t.same(seen, [{ user, url: '/auth/logout' }])
    t.equal((await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 401)
    t.equal(seen.length, 1, 'not called when there was nothing to log out')

    const a = await built.login('pat@example.com')
    await built.login('pat@example.com')
    t.equal((await built.app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(a) })).statusCode, 204)
    t.same(seen[1], { user, url: '/auth/logout-all' })
    t.equal(await built.tokenCount(), 0)
  })

  t.test(`${driver}: onLogout throwing: its error answers, the token is gone all the same`, async (t) => {
    const built = await appWithOwnUserLookup(t, driver, {
      async onLogout () { throw Object.assign(new Error('audit log down'), { statusCode: 502 }) }
    })
    const token = await built.login('pat@example.com')
    const response = await built.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    t.equal(response.statusCode, 502)
    t.equal(response.json().message, 'audit log down')
    t.equal(await built.tokenCount(), 0)
    t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  })
}
