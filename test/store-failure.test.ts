// A failing database: 503 TOKEN_STORE_UNAVAILABLE in Fastify's error shape,
// never a 401, never a stack trace, logged once without any secret or digest.
// Errors thrown by the application's own functions reach Fastify's error
// handler as they are.
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { createUser, errors, generateToken, hashToken } from '../index.js'
import { drivers, openDatabase, type TestDriver, type TestDatabase, FAMILY } from './helpers/databases.js'
import { buildApp, bearer, cachedHash, PASSWORD, type TestApp } from './helpers/app.js'
import { captureInterval } from './helpers/interval-capture.js'
import { capturedLog, type CapturedLog, type LogLine } from './helpers/captured-log.js'

/**
 * A migrated test database, and the app's own connection to it, which the
 * test can cut (close the client, end the pool) while the database lives on.
 */
async function breakable (t: Test, driver: TestDriver): Promise<{ tdb: TestDatabase, cut(): Promise<void> }> {
  const file = FAMILY[driver] === 'sqlite' ? join(t.testdir(), 'app.db') : undefined
  const admin = await openDatabase(driver, { file })
  let cut: () => Promise<void>
  let db: unknown
  if (FAMILY[driver] === 'sqlite') {
    const client = new Database(file)
    client.pragma('foreign_keys = ON')
    db = drizzleSqlite({ client })
    cut = async () => { client.close() }
  } else if (FAMILY[driver] === 'pg') {
    const pool = new pg.Pool({ connectionString: admin.url as string })
    // The database is dropped with (force) at the end; a goodbye from the
    // server to an idle connection must not end the test process.
    pool.on('error', () => {})
    db = drizzlePg({ client: pool })
    cut = () => pool.end()
  } else {
    const pool = mysql.createPool({ uri: admin.url as string })
    db = drizzleMysql({ client: pool })
    cut = () => pool.end()
  }
  let isCut = false
  const once = async (): Promise<void> => {
    if (!isCut) await cut()
    isCut = true
  }
  t.teardown(async () => {
    await once()
    await admin.close()
  })
  return { tdb: { ...admin, db }, cut: once }
}

/** Triggers that make one kind of write to access_token fail inside the database. */
function refuseSql (driver: TestDriver, event: 'insert' | 'update' | 'delete'): { create: string[], drop: string[] } {
  const name = `refuse_${event}`
  if (FAMILY[driver] === 'sqlite') {
    return {
      create: [`create trigger ${name} before ${event} on access_token begin select raise(abort, 'refused by trigger'); end`],
      drop: [`drop trigger ${name}`]
    }
  }
  // PostgreSQL and MySQL quote the row's digest in the message: it must not
  // reach a response or a log.
  const row = event === 'delete' ? 'old' : 'new'
  if (FAMILY[driver] === 'pg') {
    return {
      create: [
        `create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'refused by trigger: %', ${row}.token; end $$`,
        `create trigger ${name} before ${event} on access_token for each row execute function ${name}()`
      ],
      drop: [`drop trigger ${name} on access_token`, `drop function ${name}()`]
    }
  }
  return {
    create: [
      `create trigger ${name} before ${event} on access_token for each row begin ` +
      `declare message varchar(128) default concat('refused by trigger: ', ${row}.token); ` +
      'signal sqlstate \'45000\' set message_text = message; end'
    ],
    drop: [`drop trigger ${name}`]
  }
}

async function run (tdb: TestDatabase, statements: string[]): Promise<void> {
  for (const statement of statements) await tdb.query(statement)
}

const UNAVAILABLE = {
  statusCode: 503,
  code: 'TOKEN_STORE_UNAVAILABLE',
  error: 'Service Unavailable',
  message: 'The token store is unavailable'
}

/** The answer is the contract's 503, with nothing more in the body. */
function is503 (t: Test, response: { statusCode: number, json(): unknown, headers: Record<string, unknown>, body: string }, label: string): void {
  t.equal(response.statusCode, 503, `${label}: 503`)
  t.strictSame(response.json(), UNAVAILABLE, `${label}: Fastify's error shape, no stack`)
  t.notOk(/\bat .*\.(ts|js):\d+/.test(response.body), `${label}: no stack trace`)
  t.equal(response.headers['www-authenticate'], undefined, `${label}: not a challenge`)
}

/** The failure was logged once, as an error, and no line holds a secret. */
function loggedOnce (t: Test, log: CapturedLog, secrets: string[], label: string): void {
  const errorsLogged = log.parsed().filter((line) => line.level >= 50)
  t.equal(errorsLogged.length, 1, `${label}: one error logged`)
  t.equal(errorsLogged[0]?.err?.code, 'TOKEN_STORE_UNAVAILABLE', `${label}: the logged error is the 503`)
  t.equal(log.lines.filter((line) => line.includes('TOKEN_STORE_UNAVAILABLE')).length, 1, `${label}: mentioned once`)
  const all = log.lines.join('\n')
  for (const secret of secrets) t.notOk(all.includes(secret), `${label}: no secret or digest in the log`)
  const logged = JSON.stringify(errorsLogged[0]?.err)
  t.notMatch(logged, /[A-Za-z0-9_-]{43}/, `${label}: nothing digest-like in the logged error`)
  // Drizzle's wrapper quotes the query's parameters (user id, IP address):
  // the driver's own error is what gets logged.
  t.notMatch(logged, /params:/, `${label}: no query parameters in the logged error`)
}

/** Drivers with a connection to lose: PGlite runs inside the process. */
const breakableDrivers = drivers.filter((driver) => driver !== 'pglite')

/** An app on a breakable database, logging into `log`. */
async function appOnBreakableDatabase (t: Test, driver: TestDriver, plugin = {}): Promise<TestApp & { log: CapturedLog, cut(): Promise<void> }> {
  const { tdb, cut } = await breakable(t, driver)
  const log = capturedLog()
  const built = await buildApp(t, { driver, tdb, plugin, fastify: { logger: log.logger } })
  return { ...built, log, cut }
}

for (const driver of breakableDrivers) {
  t.test(`${driver}: verifying on a lost connection is a 503, not a 401`, async (t) => {
    const { app, addUser, login, log, cut } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    await cut()
    log.lines.length = 0
    const response = await app.inject({ url: '/me', headers: bearer(token) })
    is503(t, response, 'GET /me')
    loggedOnce(t, log, [token, hashToken(token)], 'GET /me')
  })

  t.test(`${driver}: verifying against a dropped token table is a 503`, async (t) => {
    const { app, tdb, addUser, login, log } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    await tdb.query('drop table access_token')
    log.lines.length = 0
    is503(t, await app.inject({ url: '/me', headers: bearer(token) }), 'GET /me')
    loggedOnce(t, log, [token, hashToken(token)], 'GET /me')
    // Routes protected by config.auth and requireUser go the same way.
    is503(t, await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }), 'POST /auth/logout')
    is503(t, await app.inject({ url: '/auth/sessions', headers: bearer(token) }), 'GET /auth/sessions')
  })

  t.test(`${driver}: the built-in authenticate on a lost connection is a 503`, async (t) => {
    const { app, addUser, log, cut } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    await cut()
    log.lines.length = 0
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } })
    is503(t, response, 'POST /auth/login')
    loggedOnce(t, log, [PASSWORD, await cachedHash(PASSWORD)], 'POST /auth/login')
  })

  t.test(`${driver}: issuing at login fails: 503, and the app recovers without a restart`, async (t) => {
    const { app, tdb, addUser, log } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    const refuse = refuseSql(driver, 'insert')
    await run(tdb, refuse.create)
    log.lines.length = 0
    const login = { method: 'POST' as const, url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } }
    const response = await app.inject(login)
    is503(t, response, 'POST /auth/login')
    t.equal(response.headers['set-cookie'], undefined)
    loggedOnce(t, log, [PASSWORD, await cachedHash(PASSWORD)], 'POST /auth/login')
    const logged = log.parsed().find((line) => line.level >= 50)
    t.match(logged?.err?.message, /refused by trigger/, 'the database\'s reason is in the log')
    t.same(await tdb.query('select token from access_token'), [])

    await run(tdb, refuse.drop)
    const again = await app.inject(login)
    t.equal(again.statusCode, 200, 'works again once the database does')
    t.equal((await app.inject({ url: '/me', headers: bearer(again.json().access_token) })).statusCode, 200)
  })

  t.test(`${driver}: issuing into a dropped token table is a 503`, async (t) => {
    const { app, tdb, addUser } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    await tdb.query('drop table access_token')
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } })
    is503(t, response, 'POST /auth/login')
  })

  t.test(`${driver}: a failing delete at logout is a 503 and the token stays valid`, async (t) => {
    const { app, tdb, addUser, login, log } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    const other = await login('a@example.com')
    const refuse = refuseSql(driver, 'delete')
    await run(tdb, refuse.create)
    log.lines.length = 0
    is503(t, await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }), 'POST /auth/logout')
    loggedOnce(t, log, [token, hashToken(token)], 'POST /auth/logout')
    is503(t, await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(token) }), 'POST /auth/logout-all')
    is503(t, await app.inject({ method: 'DELETE', url: `/auth/sessions/${hashToken(other)}`, headers: bearer(token) }), 'DELETE /auth/sessions/:id')
    for (const line of log.parsed().filter((line) => line.level >= 50)) {
      t.notMatch(JSON.stringify(line.err), /[A-Za-z0-9_-]{43}|params:/, 'nothing digest-like, no query parameters in a logged error')
    }
    await run(tdb, refuse.drop)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'nothing was deleted')
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
  })

  t.test(`${driver}: a failed last-use write does not refuse a valid token`, async (t) => {
    const { app, tdb, addUser, login, log } = await appOnBreakableDatabase(t, driver)
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    await run(tdb, refuseSql(driver, 'update').create)
    log.lines.length = 0
    const response = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(response.statusCode, 200)
    const warnings = log.parsed().filter((line) => line.level === 40)
    t.equal(warnings.length, 1, 'one warning')
    t.equal(warnings[0]?.err?.code, 'TOKEN_STORE_UNAVAILABLE')
    t.equal(log.parsed().filter((line) => line.level >= 50).length, 0, 'no error')
    const all = log.lines.join('\n')
    t.notOk(all.includes(token) || all.includes(hashToken(token)), 'no secret or digest in the log')
    const [row] = await tdb.query('select last_used_at from access_token')
    t.equal(row.last_used_at, null)
  })

  t.test(`${driver}: the store API rejects with TOKEN_STORE_UNAVAILABLE`, async (t) => {
    const { app, tdb, addUser, cut } = await appOnBreakableDatabase(t, driver)
    const userId = await addUser({ email: 'a@example.com' })
    const { token, session } = await app.accessTokens.issue(userId)
    await cut()
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['issue', () => app.accessTokens.issue(userId)],
      ['verify', () => app.accessTokens.verify(token)],
      ['revoke', () => app.accessTokens.revoke(token)],
      ['revokeSession', () => app.accessTokens.revokeSession(session.id)],
      ['revokeAll', () => app.accessTokens.revokeAll(userId)],
      ['list', () => app.accessTokens.list(userId)],
      ['pruneExpired', () => app.accessTokens.pruneExpired()],
      ['createUser', () => createUser(tdb.db, { email: 'new@example.com', password: PASSWORD })]
    ]
    for (const [name, call] of calls) {
      const error = await call().then(() => null, (error: Error & { code?: string, statusCode?: number, cause?: Error }) => error)
      t.ok(error instanceof errors.TOKEN_STORE_UNAVAILABLE, `${name}: rejects with TOKEN_STORE_UNAVAILABLE`)
      t.equal(error?.statusCode, 503, `${name}: status 503`)
      t.ok(error?.cause instanceof Error, `${name}: the database's error is the cause`)
      const cause = `${error?.cause?.message} ${error?.cause?.stack}`
      t.notOk(cause.includes(token) || cause.includes(session.id), `${name}: no secret or digest in the cause`)
    }
  })

  t.test(`${driver}: errors of the application's own functions reach Fastify as they are`, async (t) => {
    class Teapot extends Error {
      statusCode = 418
      code = 'TEAPOT'
    }
    let failIn: 'authenticate' | 'getUser' | 'onLogin' | 'onLogout' | 'plain' | null = null
    const { app, tdb, addUser, log } = await appOnBreakableDatabase(t, driver, {
      authenticate: async ({ username }: { username: string }) => {
        if (failIn === 'authenticate') throw new Teapot('no coffee')
        if (failIn === 'plain') throw new Error('application bug')
        const [row] = await tdb.query(FAMILY[driver] === 'pg' ? 'select id from "user" where email = $1' : 'select id from user where email = ?', [username])
        return row === undefined ? null : { id: String(row.id), isActive: true }
      },
      getUser: async (id: string) => {
        if (failIn === 'getUser') throw new Teapot('no coffee')
        return { id }
      },
      onLogin: async () => { if (failIn === 'onLogin') throw new Teapot('no coffee') },
      onLogout: async () => { if (failIn === 'onLogout') throw new Teapot('no coffee') }
    })
    await addUser({ email: 'a@example.com' })
    const credentials = { username: 'a@example.com', password: 'anything' }
    const login = (): Promise<{ statusCode: number, json(): any }> => app.inject({ method: 'POST', url: '/auth/login', payload: credentials })
    const token = (await login()).json().access_token as string
    const teapot = { statusCode: 418, code: 'TEAPOT', message: 'no coffee' }

    for (const where of ['authenticate', 'onLogin'] as const) {
      failIn = where
      const response = await login()
      t.equal(response.statusCode, 418, `${where}: its status`)
      t.match(response.json(), teapot, `${where}: its code and message`)
    }
    failIn = 'getUser'
    const me = await app.inject({ url: '/me', headers: bearer(token) })
    t.equal(me.statusCode, 418, 'getUser: its status, not a 401 or 503')
    t.match(me.json(), teapot)
    failIn = 'onLogout'
    const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    t.equal(out.statusCode, 418, 'onLogout: its status')
    failIn = 'plain'
    const bug = await login()
    t.equal(bug.statusCode, 500, 'an error without a status is Fastify\'s 500, not a 503')
    t.notOk(log.lines.join('\n').includes('TOKEN_STORE_UNAVAILABLE'), 'none of these is a store failure')
  })
}

for (const driver of breakableDrivers) {
  t.test(`${driver}: a failing prune on the timer is logged, and the app stays up`, async (t) => {
    // The timer's callback is taken at registration and run by the test: no waiting.
    const INTERVAL_SECONDS = 4321
    const { tick: prune, registered: built } = await captureInterval(INTERVAL_SECONDS * 1000, () =>
      appOnBreakableDatabase(t, driver, { pruneIntervalSeconds: INTERVAL_SECONDS }))
    const { app, addUser, login, log, cut } = built
    t.type(prune, 'function', 'the plugin set its timer')
    await addUser({ email: 'a@example.com' })
    const token = await login('a@example.com')
    await cut()
    log.lines.length = 0
    const logged = new Promise<LogLine>((resolve) => {
      const { write } = log.logger.stream
      log.logger.stream.write = (line) => {
        write(line)
        const parsed = JSON.parse(line) as LogLine
        if (parsed.level >= 50) resolve(parsed)
      }
    })
    prune!()
    const line = await logged
    t.equal(line.msg, 'access-tokens: pruning expired tokens failed')
    t.equal(line.err?.code, 'TOKEN_STORE_UNAVAILABLE')
    const all = log.lines.join('\n')
    t.notOk(all.includes(token) || all.includes(hashToken(token)), 'no secret or digest in the log')
    t.notMatch(JSON.stringify(line.err), /[A-Za-z0-9_-]{43}|params:/)
    // The app still answers (a 503 for want of its database).
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 503)
  })
}

t.test('a 503 never leaks the digest a driver quotes', async (t) => {
  // The digest a lookup sends is what drivers and Drizzle quote in their messages.
  const { storeUnavailable } = await import('../lib/errors.js')
  const token = generateToken()
  const digest = hashToken(token)
  const wrapped = storeUnavailable(Object.assign(new Error(`Failed query: select ... params: ${digest}`), {
    name: 'DrizzleQueryError',
    cause: Object.assign(new Error(`Duplicate entry '${digest}' for key 'PRIMARY'`), { code: 'ER_DUP_ENTRY' })
  }))
  const text = `${wrapped.message} ${(wrapped.cause as Error).message} ${(wrapped.cause as Error).stack}`
  t.notOk(text.includes(digest))
  t.match((wrapped.cause as Error).message, /Duplicate entry '\[redacted\]'/)
})
