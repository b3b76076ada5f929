// Type tests of the built package, as an application sees it without
// declaring a user type: `npm run test:types` compiles this file (nothing
// runs). Each @ts-expect-error line is a mistake the types must reject.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import pg from 'pg'
import mysql from 'mysql2/promise'
import accessTokens, {
  accessTokens as namedPlugin,
  createUser,
  errors,
  FORBIDDEN,
  generateToken,
  hashPassword,
  hashToken,
  migrate,
  UNAUTHORIZED,
  verifyPassword,
  type AccessTokensApi,
  type AccessTokensOptions,
  type AccessTokenUser,
  type AuthHook,
  type ProvidedUser,
  type DefaultUser,
  type DrizzleDatabase,
  type Session
} from 'fastify-access-tokens'
import { accessTokens as sqliteTokens, defineAccessTokenTable, users as sqliteUsers } from 'fastify-access-tokens/sqlite'
import { accessTokens as pgTokens, users as pgUsers } from 'fastify-access-tokens/pg'
import { accessTokens as mysqlTokens, users as mysqlUsers } from 'fastify-access-tokens/mysql'
import { assertType, expectType } from './expect.js'

const db = drizzle({ client: new Database(':memory:') })
const app = Fastify()
app.register(accessTokens, { database: db, apiKeys: { prefix: 'acme_', scopes: ['a'], maxLifetimeSeconds: null, maxPerUser: 10 } })
// @ts-expect-error the prefix is a string
app.register(accessTokens, { database: db, apiKeys: { prefix: 1 } })

// The default and the named export are the same plugin.
assertType<typeof accessTokens, typeof namedPlugin>()

// Options: every documented option, in each accepted form.
app.register(accessTokens, { database: db })
app.register(accessTokens, {
  database: db,
  tokens: sqliteTokens,
  users: sqliteUsers,
  lifetimeSeconds: 3600,
  idleTimeoutSeconds: 900,
  maxTokensPerUser: 10,
  bearer: true,
  cookie: { name: 'sid', path: '/', domain: 'example.com', secure: 'auto', httpOnly: true, sameSite: 'strict' },
  trustedOrigins: ['https://app.example.com'],
  routes: { prefix: '/api/auth', sessions: false, login: { config: { rateLimit: { max: 5, timeWindow: '1 minute' } } } },
  requireVerified: true,
  decorator: 'user',
  hook: 'preHandler',
  cache: { ttlSeconds: 30, max: 1000 },
  pruneIntervalSeconds: 3600,
  onLogin: async (user, request, reply) => {
    assertType<typeof user, DefaultUser>()
    request.log.info({ userId: user.id }, 'login')
    reply.header('x-login', '1')
  },
  onLogout: (user) => { assertType<typeof user, DefaultUser>() }
})
app.register(accessTokens, { database: db, lifetimeSeconds: null, idleTimeoutSeconds: null, maxTokensPerUser: null, pruneIntervalSeconds: null })
app.register(accessTokens, { database: db, bearer: false, cookie: true, cache: true, routes: false })
app.register(accessTokens, { database: db, hook: 'onRequest', cookie: false, cache: false, prefix: '/v1' })
app.register(accessTokens, { database: drizzlePg({ client: new pg.Pool() }), tokens: pgTokens, users: pgUsers })
app.register(accessTokens, { database: drizzleMysql({ client: mysql.createPool({ uri: 'mysql://localhost/app' }) }), tokens: mysqlTokens, users: mysqlUsers })

// Own tables: an integer-id user table and a token table that references it.
const members = sqliteTable('member', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  hashedPassword: text('hashed_password').notNull()
})
const memberTokens = defineAccessTokenTable(members.id, { name: 'member_token' })
assertType<typeof memberTokens.$inferSelect.userId, number>()
assertType<typeof sqliteTokens.$inferSelect.userId, string>()
app.register(accessTokens, { database: db, users: members, tokens: memberTokens })
// Your own authenticate and getUser instead of a user table: until a user
// type is declared (see user.test-d.ts), any object with an id will do.
assertType<ProvidedUser, { id: unknown }>()
app.register(accessTokens, {
  database: db,
  users: false,
  authenticate: async ({ username, password }, request) => {
    assertType<typeof username, string>()
    assertType<typeof password, string>()
    assertType<typeof request, FastifyRequest>()
    return username === 'ann' && password !== '' ? { id: '1', email: 'ann@example.com', isActive: true, isSuperuser: false, isVerified: true } : null
  },
  getUser: async (id: string) => (id === '1' ? { id, email: 'ann@example.com', isActive: true, isSuperuser: false, isVerified: true } : null)
})

// Mistakes the types reject.
// @ts-expect-error a PostgreSQL token table on a SQLite database
app.register(accessTokens, { database: db, tokens: pgTokens })
// @ts-expect-error a MySQL user table on a SQLite database
app.register(accessTokens, { database: db, users: mysqlUsers })
// @ts-expect-error a SQLite token table on a PostgreSQL database
app.register(accessTokens, { database: drizzlePg({ client: new pg.Pool() }), tokens: sqliteTokens })
// @ts-expect-error a PostgreSQL user table on a MySQL database
app.register(accessTokens, { database: drizzleMysql({ client: mysql.createPool({ uri: 'mysql://localhost/app' }) }), users: pgUsers })
// @ts-expect-error database is required
app.register(accessTokens, {})
// @ts-expect-error a better-sqlite3 connection is not a Drizzle database
app.register(accessTokens, { database: new Database(':memory:') })
// @ts-expect-error a file name is not a database
app.register(accessTokens, { database: 'app.db' })
// @ts-expect-error seconds are numbers
app.register(accessTokens, { database: db, lifetimeSeconds: '3600' })
// @ts-expect-error use null, not false, for "never"
app.register(accessTokens, { database: db, lifetimeSeconds: false })
// @ts-expect-error unknown option (the option is lifetimeSeconds)
app.register(accessTokens, { database: db, lifetime: 3600 })
// @ts-expect-error cookie is a boolean or cookie options
app.register(accessTokens, { database: db, cookie: 'access_token' })
// @ts-expect-error sameSite is lower-case
app.register(accessTokens, { database: db, cookie: { sameSite: 'Lax' } })
// @ts-expect-error unknown cookie option
app.register(accessTokens, { database: db, cookie: { maxAge: 60 } })
// @ts-expect-error hook is 'onRequest' or 'preHandler'
app.register(accessTokens, { database: db, hook: 'preValidation' })
// @ts-expect-error trustedOrigins is a list
app.register(accessTokens, { database: db, trustedOrigins: 'https://app.example.com' })
// @ts-expect-error routes is false or route options
app.register(accessTokens, { database: db, routes: true })
// @ts-expect-error the prefix is a string
app.register(accessTokens, { database: db, routes: { prefix: 1 } })
// @ts-expect-error unknown cache option
app.register(accessTokens, { database: db, cache: { ttl: 60 } })
// @ts-expect-error the decorator is a name
app.register(accessTokens, { database: db, decorator: true })
// @ts-expect-error another name must be declared first (FastifyAccessTokens' decorator), or request.user would be typed and undefined
app.register(accessTokens, { database: db, decorator: 'member' })
// @ts-expect-error authenticate is a function
app.register(accessTokens, { database: db, authenticate: true })
// @ts-expect-error authenticate receives the credentials object, not two strings
app.register(accessTokens, { database: db, authenticate: async (username: string, password: string) => ({ id: username + password }) })
// Rules between options (users: false needs authenticate and getUser; one
// of bearer and cookie must be on) are checked at registration, with
// INVALID_OPTION naming the option: test/options.test.ts.

// The options type, for code that builds them apart.
const options: AccessTokensOptions = { database: db, lifetimeSeconds: 600 }
app.register(accessTokens, options)

// Decorators.
assertType<typeof app.authenticate, AuthHook>()
assertType<typeof app.accessTokens, AccessTokensApi>()
assertType<ReturnType<typeof app.requireUser>, AuthHook>()
// A hook Fastify calls with done, and a function to await in a hook of your own.
app.addHook('preHandler', app.authenticate)
assertType<ReturnType<AuthHook>, Promise<void>>()
assertType<Parameters<AuthHook>, [request: FastifyRequest, reply: FastifyReply]>()
app.addHook('onRequest', (request, reply, done) => {
  expectType<void>()(app.authenticate(request, reply, done))
})
app.addHook('onRequest', async (request, reply) => {
  expectType<Promise<void>>()(app.requireUser({ optional: true })(request, reply))
})
app.requireUser()
app.requireUser({ optional: true, active: false, verified: true, superuser: true })
// @ts-expect-error unknown requirement
app.requireUser({ admin: true })
// @ts-expect-error requirements are booleans
app.requireUser({ verified: 'yes' })
app.requireUser({ scopes: ['notes:read'], apiKeys: false })
// @ts-expect-error scopes are a list
app.requireUser({ scopes: 'notes:read' })

app.get('/me', { onRequest: app.authenticate }, async (request) => {
  assertType<typeof request.user, DefaultUser | null>()
  assertType<typeof request.accessToken, Session | null>()
  assertType<AccessTokenUser, DefaultUser>()
  // @ts-expect-error request.user may be null: a hook decides, not the type
  return request.user.email
})
app.get('/admin', { preHandler: [app.requireUser({ superuser: true })] }, async (request) => request.user?.isSuperuser)
app.get('/config', { config: { auth: true } }, async (request) => request.user?.id)
app.get('/config-options', { config: { auth: { verified: true, optional: true } } }, async (request) => request.user?.isVerified)
app.get('/config-off', { config: { auth: false } }, async () => 'open')
app.get('/config-scopes', { config: { auth: { scopes: ['notes:read'], apiKeys: true } } }, async (request) => request.accessToken?.scopes)
// Fastify infers a route's config type from the object given, so a wrong
// config.auth is refused when the route is added, not by the compiler.

// Session fields.
assertType<Session['id'], string>()
assertType<Session['createdAt'], Date>()
assertType<Session['expiresAt'], Date | null>()
assertType<Session['lastUsedAt'], Date | null>()
assertType<Session['userAgent'], string | null>()
assertType<Session['ip'], string | null>()
assertType<Session['kind'], 'session' | 'api-key'>()
assertType<Session['name'], string | null>()
assertType<Session['scopes'], string[] | null>()

// app.accessTokens: every method async, with these results.
const api = app.accessTokens
expectType<Promise<{ token: string, session: Session }>>()(api.issue('user-id', { userAgent: 'curl/8', ip: '127.0.0.1' }))
api.issue(42)
api.issue('user-id', { userAgent: null, ip: null })
// @ts-expect-error unknown metadata
api.issue('user-id', { browser: 'x' })
expectType<Promise<{ session: Session, user: DefaultUser } | null>>()(api.verify('token'))
// @ts-expect-error a token is a string
api.verify(42)
assertType<ReturnType<typeof api.revoke>, Promise<boolean>>()
assertType<ReturnType<typeof api.revokeSession>, Promise<boolean>>()
assertType<ReturnType<typeof api.revokeAll>, Promise<number>>()
api.revokeAll('user-id', { except: 'session-id' })
// @ts-expect-error except is a session id
api.revokeAll('user-id', { except: true })
assertType<ReturnType<typeof api.list>, Promise<Session[]>>()
expectType<Promise<{ token: string, session: Session }>>()(api.createApiKey('user-id', { name: 'CI', scopes: ['a'], expiresInSeconds: null }))
// @ts-expect-error a key needs a name
api.createApiKey('user-id', { scopes: ['a'] })
assertType<ReturnType<typeof api.listApiKeys>, Promise<Session[]>>()
api.revokeAll('user-id', { kind: 'api-key' })
// @ts-expect-error kind is 'session' or 'api-key'
api.revokeAll('user-id', { kind: 'key' })
assertType<ReturnType<typeof api.pruneExpired>, Promise<number>>()

// Functions.
assertType<ReturnType<typeof hashPassword>, Promise<string>>()
assertType<ReturnType<typeof verifyPassword>, Promise<boolean>>()
assertType<ReturnType<typeof generateToken>, string>()
assertType<ReturnType<typeof hashToken>, string>()
assertType<ReturnType<typeof migrate>, Promise<void>>()
expectType<Promise<DefaultUser>>()(createUser(db, { email: 'ann@example.com', password: 'secret', isVerified: true }))
createUser(db, { email: 'bob@example.com', password: 'secret' }, { users: sqliteUsers })
createUser(drizzlePg({ client: new pg.Pool() }), { email: 'bob@example.com', password: 'secret' }, { users: pgUsers })
// @ts-expect-error a PostgreSQL user table on a SQLite database
createUser(db, { email: 'bob@example.com', password: 'secret' }, { users: pgUsers })
// @ts-expect-error the password is required
createUser(db, { email: 'ann@example.com' })

// Error classes: stable codes and status codes, usable with instanceof.
const unauthorized = new errors.UNAUTHORIZED()
assertType<typeof unauthorized.code, 'UNAUTHORIZED'>()
assertType<typeof unauthorized.statusCode, 401>()
assertType<typeof errors.UNAUTHORIZED, typeof UNAUTHORIZED>()
assertType<typeof errors.FORBIDDEN, typeof FORBIDDEN>()
assertType<(typeof errors.LOGIN_BAD_CREDENTIALS)['prototype']['code'], 'LOGIN_BAD_CREDENTIALS'>()
assertType<(typeof errors.LOGIN_USER_NOT_VERIFIED)['prototype']['statusCode'], 400>()
assertType<(typeof errors.CSRF_FAILED)['prototype']['statusCode'], 403>()
assertType<(typeof errors.SESSION_NOT_FOUND)['prototype']['statusCode'], 404>()
assertType<(typeof errors.TOKEN_STORE_UNAVAILABLE)['prototype']['statusCode'], 503>()
assertType<(typeof errors.USER_ALREADY_EXISTS)['prototype']['code'], 'USER_ALREADY_EXISTS'>()
assertType<(typeof errors.INVALID_OPTION)['prototype']['code'], 'INVALID_OPTION'>()
const caught: unknown = unauthorized
if (caught instanceof errors.FORBIDDEN) assertType<typeof caught.code, 'FORBIDDEN'>()
// @ts-expect-error no such error
String(errors.NOT_AN_ERROR)
// A constructor takes what its message has placeholders for.
// @ts-expect-error UNAUTHORIZED's message has nothing to fill in
String(new errors.UNAUTHORIZED('why'))
String(new errors.INVALID_OPTION('cookie', 'must be an object'))
// @ts-expect-error INVALID_OPTION takes the option's name and the problem, as strings
String(new errors.INVALID_OPTION(1))
// @ts-expect-error migrate takes a Drizzle database
migrate(new Database(':memory:'))
app.setErrorHandler((error, _request, reply) => {
  if (error instanceof errors.TOKEN_STORE_UNAVAILABLE) return reply.code(503).send({ retry: true })
  return reply.send(error)
})

// A database the compiler knows only as one the plugin takes (code that
// passes one along): without tables, it will do.
declare const anyDatabase: DrizzleDatabase
app.register(accessTokens, { database: anyDatabase, cache: true })
createUser(anyDatabase, { email: 'ann@example.com', password: 'secret' })
// @ts-expect-error with a table, the database's dialect must be known
app.register(accessTokens, { database: anyDatabase, tokens: sqliteTokens })
