// Another connection holds the SQLite file locked: requests that need the
// lock answer 503 TOKEN_STORE_UNAVAILABLE once the busy timeout has passed
// (not a hang, not a 500), and 200 again once the lock is released.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from '../index.js'
import * as schema from '../lib/schema/sqlite.js'
import type { TestDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'
import { within } from './helpers/within.js'

// The plugin's storeTimeoutMs: on SQLite, the connection's busy timeout, how
// long it waits for a lock before SQLITE_BUSY (the default is 5000 ms).
const BUSY_TIMEOUT_MS = 100

async function sqliteFile (t: Test, journalMode: 'delete' | 'wal'): Promise<{ tdb: TestDatabase, file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-busy-'))
  const file = join(dir, 'app.db')
  const client = new Database(file)
  client.pragma(`journal_mode = ${journalMode}`)
  client.pragma('foreign_keys = ON')
  const db = drizzle({ client })
  await migrate(db)
  t.teardown(() => {
    client.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const tdb: TestDatabase = {
    driver: 'better-sqlite3',
    dialect: 'sqlite',
    db,
    schema,
    query: async (text, params = []) => client.prepare(text).all(...params) as Array<Record<string, unknown>>,
    url: null,
    close: async () => {}
  }
  return { tdb, file }
}

/** A second connection to the file, holding its exclusive lock until released. */
function lockFile (t: Test, file: string): { release(): void } {
  const other = new Database(file)
  other.exec('BEGIN EXCLUSIVE')
  t.teardown(() => { if (other.inTransaction) other.exec('ROLLBACK'); other.close() })
  return { release: () => other.exec('COMMIT') }
}

const unavailable = (t: Test, response: { statusCode: number, json(): { code: string } }, what: string): void => {
  t.equal(response.statusCode, 503, what)
  t.equal(response.json().code, 'TOKEN_STORE_UNAVAILABLE', what)
}

t.test('sqlite, rollback journal: an exclusive lock elsewhere gives 503 for every route, then 200', async (t) => {
  const { tdb, file } = await sqliteFile(t, 'delete')
  const { app, addUser, login } = await buildApp(t, { tdb, plugin: { storeTimeoutMs: BUSY_TIMEOUT_MS } })
  await addUser({ email: 'a@example.com' })
  const token = await login('a@example.com')

  const lock = lockFile(t, file)
  // In this journal mode an exclusive lock keeps readers out too.
  unavailable(t, await within(app.inject({ url: '/me', headers: bearer(token) })), 'GET /me')
  unavailable(t, await within(app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } })), 'POST /auth/login')
  unavailable(t, await within(app.inject({ url: '/auth/sessions', headers: bearer(token) })), 'GET /auth/sessions')
  unavailable(t, await within(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })), 'POST /auth/logout')

  lock.release()
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  const again = await login('a@example.com')
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  t.equal((await app.inject({ url: '/me', headers: bearer(again) })).statusCode, 200)
  const rows = await tdb.query('select count(*) as n from access_token')
  t.equal(rows[0].n, 1, 'nothing written while locked')
})

t.test('sqlite, WAL: an exclusive lock elsewhere blocks writes (503) while tokens still verify, then 200', async (t) => {
  const { tdb, file } = await sqliteFile(t, 'wal')
  const warnings = capturedLog('warn')
  const { app, addUser, login } = await buildApp(t, {
    tdb,
    plugin: { storeTimeoutMs: BUSY_TIMEOUT_MS },
    fastify: { logger: warnings.logger }
  })
  await addUser({ email: 'a@example.com' })
  const token = await login('a@example.com')

  const lock = lockFile(t, file)
  // WAL readers never wait for the writer: the token is checked; its
  // last-used time cannot be written, which is logged, not refused.
  const me = await within(app.inject({ url: '/me', headers: bearer(token) }))
  t.equal(me.statusCode, 200)
  t.match(warnings.parsed().map((line) => line.msg), ['access-tokens: could not record the last use of a token'])
  unavailable(t, await within(app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'a@example.com', password: PASSWORD } })), 'POST /auth/login')
  unavailable(t, await within(app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })), 'POST /auth/logout')
  unavailable(t, await within(app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(token) })), 'POST /auth/logout-all')

  lock.release()
  const again = await login('a@example.com')
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  t.equal((await app.inject({ url: '/me', headers: bearer(again) })).statusCode, 200)
  const rows = await tdb.query('select count(*) as n from access_token')
  t.equal(rows[0].n, 1, 'nothing written while locked')
})
