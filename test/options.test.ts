// Plugin options: every bad value fails registration with INVALID_OPTION and
// a message naming the option; the defaults are those of the contract.
import t, { type Test } from 'tap'
import type { Table } from 'drizzle-orm'
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as sqliteProxy } from 'drizzle-orm/sqlite-proxy'
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core'
import { pgTable, text as pgText, timestamp } from 'drizzle-orm/pg-core'
import { mysqlTable, varchar, datetime } from 'drizzle-orm/mysql-core'
import accessTokens, { errors, migrate, type AccessTokensOptions } from '../index.js'
import * as sqliteSchema from '../lib/schema/sqlite.js'
import * as pgSchema from '../lib/schema/pg.js'
import * as mysqlSchema from '../lib/schema/mysql.js'
import { drivers, openDatabase, FAMILY } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { buildApp, bearer } from './helpers/app.js'

// Option checks that need no database run against an in-memory SQLite one.
// (better-sqlite3 prepares statements at once, so its tables must exist.)
const client = new Database(':memory:')
t.teardown(() => client.close())
const db = drizzle({ client })
await migrate(db)

async function refused (t: Test, options: Record<string, unknown>, option: string, label = option): Promise<void> {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(accessTokens, { database: db, ...options } as never)
  const error = await app.ready().then(() => null, (error: unknown) => error) as (Error & { code?: string }) | null
  t.ok(error, `${label}: registration fails`)
  if (error === null) return
  t.equal(error.code, 'INVALID_OPTION', `${label}: code`)
  t.ok(error instanceof errors.INVALID_OPTION, `${label}: an INVALID_OPTION`)
  t.ok(error.message.includes(option), `${label}: the message names ${option} (${error.message})`)
}

const noop = async (): Promise<null> => null

t.test('database is required and must be a Drizzle database', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(accessTokens, {} as never)
  await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: /database/ })
  const asyncSqlite = sqliteProxy((async () => ({ rows: [] })) as never)
  for (const [label, database] of [['null', null], ['a string', 'app.db'], ['a plain object', {}], ['a raw better-sqlite3 client', client], ['a function', () => db], ['an asynchronous SQLite driver', asyncSqlite]] as const) {
    await refused(t, { database }, 'database', label)
  }
})

t.test('numbers must be positive integers', async (t) => {
  const bad = [0, -1, 1.5, '60', NaN, Infinity, 2 ** 60, true, {}]
  for (const option of ['lifetimeSeconds', 'idleTimeoutSeconds', 'maxTokensPerUser', 'pruneIntervalSeconds', 'storeTimeoutMs']) {
    for (const value of bad) await refused(t, { [option]: value }, option, `${option}: ${String(value)}`)
  }
  for (const key of ['ttlSeconds', 'max']) {
    for (const value of [...bad, null]) await refused(t, { cache: { [key]: value } }, `cache.${key}`, `cache.${key}: ${String(value)}`)
  }
})

t.test('numbers have upper bounds past which dates, timers or memory break', async (t) => {
  const limits: Array<[Record<string, unknown>, string, number]> = [
    [{ lifetimeSeconds: 100 * 365 * 24 * 3600 + 1 }, 'lifetimeSeconds', 100 * 365 * 24 * 3600],
    [{ idleTimeoutSeconds: 100 * 365 * 24 * 3600 + 1 }, 'idleTimeoutSeconds', 100 * 365 * 24 * 3600],
    // setInterval's limit is 2^31 - 1 ms.
    [{ pruneIntervalSeconds: 2147484 }, 'pruneIntervalSeconds', 2147483],
    [{ storeTimeoutMs: 2 ** 31 }, 'storeTimeoutMs', 2 ** 31 - 1],
    [{ maxTokensPerUser: 1_000_001 }, 'maxTokensPerUser', 1_000_000],
    [{ cache: { max: 1_000_001 } }, 'cache.max', 1_000_000],
    [{ cache: { ttlSeconds: 100 * 365 * 24 * 3600 + 1 } }, 'cache.ttlSeconds', 100 * 365 * 24 * 3600]
  ]
  for (const [options, option, max] of limits) {
    await refused(t, options, option, `${option} over its bound`)
    const app = Fastify()
    t.teardown(() => app.close())
    const atLimit = option.startsWith('cache.') ? { cache: { [option.slice(6)]: max } } : { [option]: max }
    app.register(accessTokens, { database: db, ...atLimit } as never)
    await t.resolves(async () => { await app.ready() }, `${option}: ${max} is allowed`)
  }
})

t.test('a request decorator taken by another plugin is refused by name', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.decorateRequest('user', null)
  app.register(accessTokens, { database: db })
  await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: /decorator.*request\.user is taken/ })
  const renamed = Fastify()
  t.teardown(() => renamed.close())
  renamed.decorateRequest('user', null)
  // As a JavaScript application may: TypeScript asks for the declared name (test/types/decorator.test-d.ts).
  renamed.register(accessTokens, { database: db, decorator: 'member' as 'user' })
  await t.resolves(async () => { await renamed.ready() })
})

t.test('null is allowed where a number may be absent', async (t) => {
  const { app } = await buildApp(t, { plugin: { lifetimeSeconds: null, idleTimeoutSeconds: null, maxTokensPerUser: null, pruneIntervalSeconds: null } })
  t.ok(app.accessTokens)
})

t.test('at least one transport', async (t) => {
  await refused(t, { bearer: false }, 'bearer', 'bearer: false, cookie off')
  await refused(t, { bearer: false, cookie: false }, 'bearer', 'bearer: false, cookie: false')
  await refused(t, { bearer: 'yes' }, 'bearer', 'bearer not a boolean')
})

t.test('cookie options', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['yes', 'cookie'],
    [1, 'cookie'],
    [['name'], 'cookie'],
    [{ name: 'bad name' }, 'cookie.name'],
    [{ name: 'semi;colon' }, 'cookie.name'],
    [{ name: '' }, 'cookie.name'],
    [{ name: 7 }, 'cookie.name'],
    [{ path: 'auth' }, 'cookie.path'],
    [{ path: 5 }, 'cookie.path'],
    [{ domain: '' }, 'cookie.domain'],
    [{ domain: 5 }, 'cookie.domain'],
    [{ secure: 'yes' }, 'cookie.secure'],
    [{ httpOnly: 'no' }, 'cookie.httpOnly'],
    [{ sameSite: 'None' }, 'cookie.sameSite'],
    [{ sameSite: true }, 'cookie.sameSite'],
    [{ maxAge: 60 }, 'cookie.maxAge']
  ]
  for (const [cookie, option] of cases) await refused(t, { cookie }, option, `cookie ${JSON.stringify(cookie)}`)
})

t.test('trustedOrigins are origins', async (t) => {
  const cases: unknown[] = [
    'https://app.example.com',
    ['app.example.com'],
    ['https://app.example.com/'],
    ['https://app.example.com/path'],
    ['https://app.example.com?x=1'],
    ['https://user@app.example.com'],
    ['*'],
    [42],
    [null]
  ]
  for (const trustedOrigins of cases) {
    await refused(t, { cookie: true, trustedOrigins }, 'trustedOrigins', `trustedOrigins ${JSON.stringify(trustedOrigins)}`)
  }
})

t.test('routes options', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['auth', 'routes'],
    [true, 'routes'],
    [{ prefix: 'auth' }, 'routes.prefix'],
    [{ prefix: 5 }, 'routes.prefix'],
    [{ sessions: 'yes' }, 'routes.sessions'],
    [{ login: 5 }, 'routes.login'],
    [{ login: { config: 5 } }, 'routes.login'],
    [{ extra: true }, 'routes.extra']
  ]
  for (const [routes, option] of cases) await refused(t, { routes }, option, `routes ${JSON.stringify(routes)}`)
})

t.test('users: false needs both authenticate and getUser', async (t) => {
  await refused(t, { users: false }, 'users', 'neither')
  await refused(t, { users: false, authenticate: noop }, 'users', 'authenticate only')
  await refused(t, { users: false, getUser: noop }, 'users', 'getUser only')
  await refused(t, { users: 'user' }, 'users', 'users a string')
  await refused(t, { users: [] }, 'users', 'users an array')
  await refused(t, { tokens: 'access_token' }, 'tokens', 'tokens a string')
  await refused(t, { tokens: false }, 'tokens', 'tokens false')
})

t.test('functions must be functions', async (t) => {
  for (const option of ['authenticate', 'getUser', 'onLogin', 'onLogout']) {
    for (const value of ['fn', {}, null, 1]) await refused(t, { [option]: value }, option, `${option}: ${JSON.stringify(value)}`)
  }
  await refused(t, { requireVerified: 'yes' }, 'requireVerified')
})

t.test('unknown option keys', async (t) => {
  await refused(t, { lifetime: 60 }, 'lifetime')
  await refused(t, { cookies: true }, 'cookies')
  await refused(t, { cache: { ttl: 5 } }, 'cache.ttl')
  await refused(t, { cache: 'yes' }, 'cache')
  // Fastify's own register options are not unknown.
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(accessTokens, { database: db, logLevel: 'warn' } as never)
  await t.resolves(async () => { await app.ready() })
})

t.test('decorator must be an identifier other than accessToken', async (t) => {
  for (const decorator of ['', '1user', 'my-user', 'user name', 'accessToken', 5, {}]) {
    await refused(t, { decorator }, 'decorator', `decorator ${JSON.stringify(decorator)}`)
  }
})

t.test('hook must be onRequest or preHandler', async (t) => {
  for (const hook of ['preValidation', 'onSend', 'OnRequest', 5, true]) {
    await refused(t, { hook }, 'hook', `hook ${JSON.stringify(hook)}`)
  }
})

t.test('options must be an object', async (t) => {
  const { resolveOptions } = await import('../lib/options.js')
  for (const value of [undefined, null, 'x', [], 5]) {
    t.throws(() => resolveOptions(value), { code: 'INVALID_OPTION', message: /options/ })
  }
})

const otherTables = {
  sqlite: { users: sqliteSchema.users, accessTokens: sqliteSchema.accessTokens },
  pg: { users: pgSchema.users, accessTokens: pgSchema.accessTokens },
  mysql: { users: mysqlSchema.users, accessTokens: mysqlSchema.accessTokens }
}

// A token table that lacks created_at, and one without last_used_at (declared
// over the migrated access_token table, which has the other columns), per driver.
const incomplete: Record<DialectName, { noCreatedAt: Table, noLastUsedAt: Table, noEmail: Table }> = {
  sqlite: {
    noCreatedAt: sqliteTable('t1', { token: text('token').primaryKey(), userId: text('user_id').notNull() }),
    noLastUsedAt: sqliteTable('access_token', { token: text('token').primaryKey(), userId: text('user_id').notNull(), createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull() }),
    noEmail: sqliteTable('u1', { id: text('id').primaryKey(), hashedPassword: text('hashed_password') })
  },
  pg: {
    noCreatedAt: pgTable('t1', { token: pgText('token').primaryKey(), userId: pgText('user_id').notNull() }),
    noLastUsedAt: pgTable('access_token', { token: pgText('token').primaryKey(), userId: pgText('user_id').notNull(), createdAt: timestamp('created_at').notNull() }),
    noEmail: pgTable('u1', { id: pgText('id').primaryKey(), hashedPassword: pgText('hashed_password') })
  },
  mysql: {
    noCreatedAt: mysqlTable('t1', { token: varchar('token', { length: 64 }).primaryKey(), userId: varchar('user_id', { length: 36 }).notNull() }),
    noLastUsedAt: mysqlTable('access_token', { token: varchar('token', { length: 64 }).primaryKey(), userId: varchar('user_id', { length: 36 }).notNull(), createdAt: datetime('created_at').notNull() }),
    noEmail: mysqlTable('u1', { id: varchar('id', { length: 36 }).primaryKey(), hashedPassword: varchar('hashed_password', { length: 255 }) })
  }
}

for (const driver of drivers) {
  t.test(`${driver}: tables must fit the database and have the required columns`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const failing = async (options: Record<string, unknown>, pattern: RegExp, label: string): Promise<void> => {
      const app = Fastify()
      t.teardown(() => app.close())
      app.register(accessTokens, { database: tdb.db, ...options } as never)
      await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: pattern }, label)
    }
    for (const other of ['sqlite', 'pg', 'mysql'] as const) {
      if (other === FAMILY[driver]) continue
      await failing({ tokens: otherTables[other].accessTokens }, /tokens.*table/, `tokens of ${other}`)
      await failing({ users: otherTables[other].users }, /users.*table/, `users of ${other}`)
    }
    await failing({ tokens: incomplete[FAMILY[driver]].noCreatedAt }, /tokens.*created_at/, 'token table without created_at')
    await failing({ users: incomplete[FAMILY[driver]].noEmail }, /users.*email/, 'user table without email')
    await failing({ tokens: incomplete[FAMILY[driver]].noLastUsedAt, idleTimeoutSeconds: 600 }, /idleTimeoutSeconds.*last_used_at/, 'idle timeout without last_used_at')
    // Without the idle timeout, a table without the optional columns is fine.
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(accessTokens, { database: tdb.db, tokens: incomplete[FAMILY[driver]].noLastUsedAt } as AccessTokensOptions)
    await t.resolves(async () => { await app.ready() })
  })

  t.test(`${driver}: defaults`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver })
    await addUser({ email: 'd@example.com' })
    const started = Date.now()
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'd@example.com', password: 'correct horse battery staple' } })
    t.equal(response.statusCode, 200, 'routes under /auth, bearer on')
    const body = response.json()
    t.equal(body.expires_in, 3600, 'lifetimeSeconds 3600')
    t.equal(body.token_type, 'bearer')
    t.equal(response.headers['set-cookie'], undefined, 'cookie off')
    const verified = await app.accessTokens.verify(body.access_token)
    const lifetime = verified!.session.expiresAt!.getTime() - verified!.session.createdAt.getTime()
    t.equal(lifetime, 3600_000, 'the session expires an hour after it was created')
    t.ok(verified!.session.createdAt.getTime() >= started - 1000)

    const token = await login('d@example.com')
    const me = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(me.json().email, 'd@example.com', "decorator 'user'")
    // The sessions routes are on by default.
    const sessions = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
    t.equal(sessions.statusCode, 200)
    t.equal(sessions.json().length, 2)
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout-all' })).statusCode, 401)
    // Nothing outside /auth.
    t.equal((await app.inject({ method: 'POST', url: '/login', payload: {} })).statusCode, 404)
  })
}

t.test("hook defaults to 'onRequest': routes with config.auth refuse before the body is parsed", async (t) => {
  const routes = (app: import('fastify').FastifyInstance): void => {
    app.post('/guarded', { config: { auth: true } }, async () => ({ ok: true }))
  }
  const bad = { method: 'POST' as const, url: '/guarded', headers: { 'content-type': 'application/json' }, payload: '{"broken' }
  const byDefault = await buildApp(t, { routes })
  const early = await byDefault.app.inject(bad)
  t.equal(early.statusCode, 401, 'refused in onRequest, before the JSON parser ran')
  const late = await buildApp(t, { plugin: { hook: 'preHandler' }, routes })
  const parsedFirst = await late.app.inject(bad)
  t.equal(parsedFirst.statusCode, 400, "with 'preHandler', the body is parsed (and refused) first")
})

t.test('routes: prefix, sessions: false and false', async (t) => {
  const prefixed = await buildApp(t, { plugin: { routes: { prefix: '/api/auth' } } })
  t.equal((await prefixed.app.inject({ method: 'POST', url: '/api/auth/login', payload: {} })).statusCode, 400)
  t.equal((await prefixed.app.inject({ method: 'POST', url: '/auth/login', payload: {} })).statusCode, 404)

  const bare = await buildApp(t, { plugin: { routes: { prefix: '' } } })
  t.equal((await bare.app.inject({ method: 'POST', url: '/logout' })).statusCode, 401)

  const noSessions = await buildApp(t, { plugin: { routes: { sessions: false } } })
  t.equal((await noSessions.app.inject({ url: '/auth/sessions' })).statusCode, 404)
  t.equal((await noSessions.app.inject({ method: 'POST', url: '/auth/logout-all' })).statusCode, 404)
  t.equal((await noSessions.app.inject({ method: 'POST', url: '/auth/logout' })).statusCode, 401)

  const none = await buildApp(t, { plugin: { routes: false } })
  t.equal((await none.app.inject({ method: 'POST', url: '/auth/login', payload: {} })).statusCode, 404)
  t.equal((await none.app.inject({ url: '/me' })).statusCode, 401, 'the hooks work without the routes')
})

t.test('lifetimeSeconds: null leaves expires_in out', async (t) => {
  const { app, addUser } = await buildApp(t, { plugin: { lifetimeSeconds: null } })
  await addUser({ email: 'n@example.com' })
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'n@example.com', password: 'correct horse battery staple' } })
  t.equal(response.statusCode, 200)
  t.notOk('expires_in' in response.json())
  t.equal((await app.accessTokens.verify(response.json().access_token))!.session.expiresAt, null)
})
