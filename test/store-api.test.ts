// app.accessTokens: issue, verify, revoke, revokeSession, revokeAll, list and
// pruneExpired, as the contract describes them.
import t from 'tap'
import type { Table } from 'drizzle-orm'
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core'
import { pgTable, text as pgText, timestamp, uuid } from 'drizzle-orm/pg-core'
import { mysqlTable, varchar, char, datetime } from 'drizzle-orm/mysql-core'
import { generateToken, hashToken } from '../index.js'
import { drivers, type TestDatabase, FAMILY } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { buildApp, bearer } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'

const HOUR = 3600_000
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

async function rawTokenRows (tdb: TestDatabase): Promise<Array<Record<string, unknown>>> {
  return tdb.query('select token, user_id, user_agent, ip, last_used_at from access_token')
}

// Whole milliseconds that every database stores exactly.
const T0 = Date.UTC(2030, 0, 15, 12, 0, 0, 0)

for (const driver of drivers) {
  t.test(`${driver}: issue returns a secret and its session, and stores only the digest`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const userId = await addUser({ email: 'i@example.com' })
    controlClock(t, T0)
    const { token, session } = await app.accessTokens.issue(userId, { userAgent: 'TestAgent/1.0', ip: '203.0.113.7' })
    t.match(token, TOKEN_SHAPE)
    t.strictSame(session, {
      id: hashToken(token),
      userId,
      kind: 'session',
      name: null,
      scopes: null,
      createdAt: new Date(T0),
      expiresAt: new Date(T0 + HOUR),
      lastUsedAt: null,
      userAgent: 'TestAgent/1.0',
      ip: '203.0.113.7'
    })
    const rows = await rawTokenRows(tdb)
    t.equal(rows.length, 1)
    t.equal(rows[0].token, hashToken(token), 'the digest is the key')
    t.not(rows[0].token, token, 'never the secret')
    t.equal(String(rows[0].user_id), userId)
    t.equal(rows[0].user_agent, 'TestAgent/1.0')
    t.equal(rows[0].ip, '203.0.113.7')
    t.equal(rows[0].last_used_at, null)

    // Each issue makes a new secret.
    const second = await app.accessTokens.issue(userId)
    t.not(second.token, token)
    t.equal(second.session.userAgent, null, 'no metadata: null')
    t.equal(second.session.ip, null)
    t.equal((await rawTokenRows(tdb)).length, 2)
  })

  t.test(`${driver}: issue cuts metadata to the column sizes and refuses a missing user id`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const userId = await addUser({ email: 'long@example.com' })
    const { session } = await app.accessTokens.issue(userId, { userAgent: 'A'.repeat(2000), ip: '1'.repeat(100) })
    t.equal(session.userAgent, 'A'.repeat(512))
    t.equal(session.ip, '1'.repeat(64))
    const [row] = await rawTokenRows(tdb)
    t.equal(row.user_agent, 'A'.repeat(512))
    t.equal(row.ip, '1'.repeat(64))
    await t.rejects(app.accessTokens.issue(null), TypeError)
    await t.rejects(app.accessTokens.issue(undefined), TypeError)
    t.equal((await rawTokenRows(tdb)).length, 1)
  })

  t.test(`${driver}: issue for a user that does not exist fails`, async (t) => {
    const { app, tdb } = await buildApp(t, { driver })
    await t.rejects(app.accessTokens.issue(crypto.randomUUID()), { code: 'TOKEN_STORE_UNAVAILABLE' }, 'the foreign key refuses it')
    t.same(await rawTokenRows(tdb), [])
  })

  t.test(`${driver}: verify`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const clock = controlClock(t, T0)
    clock.set(T0)
    const userId = await addUser({ email: 'v@example.com', isVerified: true })
    const { token, session } = await app.accessTokens.issue(userId)

    clock.set(T0 + 5000)
    const verified = await app.accessTokens.verify(token)
    t.strictSame(verified?.user, { id: userId, email: 'v@example.com', isActive: true, isSuperuser: false, isVerified: true }, 'the user, without the password hash')
    t.equal(verified?.session.id, session.id)
    t.same(verified?.session.createdAt, new Date(T0))
    t.same(verified?.session.expiresAt, new Date(T0 + HOUR))
    // A verify counts as a use.
    t.same(verified?.session.lastUsedAt, new Date(T0 + 5000))
    const [row] = await rawTokenRows(tdb)
    t.equal(new Date(row.last_used_at as string | number | Date).getTime(), T0 + 5000, 'last_used_at written')

    for (const malformed of ['', 'abc', token.slice(1), `${token}x`, `${token.slice(0, 42)}!`, ' '.repeat(43), 42, null, undefined, {}]) {
      t.equal(await app.accessTokens.verify(malformed as string), null, `malformed ${JSON.stringify(malformed)}`)
    }
    t.equal(await app.accessTokens.verify(generateToken()), null, 'unknown')
    t.equal(await app.accessTokens.verify(session.id), null, 'the digest is not a token')

    clock.set(T0 + HOUR)
    t.ok(await app.accessTokens.verify(token), 'valid at its expiry instant')
    clock.set(T0 + HOUR + 1)
    t.equal(await app.accessTokens.verify(token), null, 'expired one millisecond later')
  })

  t.test(`${driver}: verify does not judge isActive; the hooks do`, async (t) => {
    const { app, addUser } = await buildApp(t, { driver })
    const userId = await addUser({ email: 'inactive@example.com', isActive: false })
    const { token } = await app.accessTokens.issue(userId)
    const verified = await app.accessTokens.verify(token)
    t.equal(verified?.user.isActive, false)
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  })

  t.test(`${driver}: verify is null once the user is gone`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const userId = await addUser({ email: 'gone@example.com' })
    const { token } = await app.accessTokens.issue(userId)
    t.ok(await app.accessTokens.verify(token))
    await tdb.db.delete(tdb.schema.users)
    t.equal(await app.accessTokens.verify(token), null)
  })

  t.test(`${driver}: revoke and revokeSession`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const userId = await addUser({ email: 'r@example.com' })
    const a = await app.accessTokens.issue(userId)
    const b = await app.accessTokens.issue(userId)

    t.equal(await app.accessTokens.revoke(a.token), true)
    t.equal(await app.accessTokens.revoke(a.token), false, 'already gone')
    t.equal(await app.accessTokens.verify(a.token), null)
    t.equal(await app.accessTokens.revoke(generateToken()), false, 'unknown')
    for (const malformed of ['', 'short', 42, null]) {
      t.equal(await app.accessTokens.revoke(malformed as string), false, `malformed ${JSON.stringify(malformed)}`)
    }
    t.equal(await app.accessTokens.revoke(b.session.id), false, 'a session id is not a token')

    t.equal(await app.accessTokens.revokeSession(b.token), false, 'a token is not a session id')
    t.equal(await app.accessTokens.revokeSession(42 as never), false)
    t.ok(await app.accessTokens.verify(b.token))
    t.equal(await app.accessTokens.revokeSession(b.session.id), true)
    t.equal(await app.accessTokens.revokeSession(b.session.id), false)
    t.equal(await app.accessTokens.verify(b.token), null)
    t.same(await rawTokenRows(tdb), [])
  })

  t.test(`${driver}: revokeAll, with and without except`, async (t) => {
    const { app, addUser } = await buildApp(t, { driver })
    const alice = await addUser({ email: 'alice@example.com' })
    const bob = await addUser({ email: 'bob@example.com' })
    const mine = await Promise.all([1, 2, 3].map(() => app.accessTokens.issue(alice)))
    const theirs = await app.accessTokens.issue(bob)

    t.equal(await app.accessTokens.revokeAll(alice, { except: mine[0].session.id }), 2)
    t.ok(await app.accessTokens.verify(mine[0].token), 'the excepted session lives')
    t.equal(await app.accessTokens.verify(mine[1].token), null)
    t.equal(await app.accessTokens.verify(mine[2].token), null)
    t.equal(await app.accessTokens.revokeAll(alice), 1)
    t.equal(await app.accessTokens.verify(mine[0].token), null)
    t.equal(await app.accessTokens.revokeAll(alice), 0)
    t.ok(await app.accessTokens.verify(theirs.token), "another user's token is untouched")
  })

  t.test(`${driver}: list gives the live sessions, newest first`, async (t) => {
    const { app, addUser } = await buildApp(t, { driver })
    const clock = controlClock(t, T0)
    const alice = await addUser({ email: 'alice@example.com' })
    const bob = await addUser({ email: 'bob@example.com' })
    t.same(await app.accessTokens.list(alice), [])
    clock.set(T0)
    const oldest = await app.accessTokens.issue(alice, { userAgent: 'one' })
    clock.set(T0 + 1000)
    const middle = await app.accessTokens.issue(alice, { userAgent: 'two', ip: '192.0.2.1' })
    clock.set(T0 + 2000)
    const newest = await app.accessTokens.issue(alice)
    await app.accessTokens.issue(bob)

    const listed = await app.accessTokens.list(alice)
    t.same(listed.map((session) => session.id), [newest, middle, oldest].map((issued) => issued.session.id))
    t.strictSame(listed[1], middle.session)
    t.notOk(JSON.stringify(listed).includes(middle.token), 'no secret in the list')

    clock.set(T0 + HOUR + 500)
    t.same((await app.accessTokens.list(alice)).map((session) => session.id), [newest, middle].map((issued) => issued.session.id), 'expired sessions are left out')
  })

  t.test(`${driver}: pruneExpired deletes the expired rows and counts them`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const clock = controlClock(t, T0)
    const userId = await addUser({ email: 'p@example.com' })
    clock.set(T0)
    await app.accessTokens.issue(userId)
    await app.accessTokens.issue(userId)
    clock.set(T0 + 1000)
    const young = await app.accessTokens.issue(userId)

    clock.set(T0 + HOUR)
    t.equal(await app.accessTokens.pruneExpired(), 0, 'nothing is expired at the expiry instant')
    clock.set(T0 + HOUR + 1)
    t.equal(await app.accessTokens.pruneExpired(), 2)
    t.same((await rawTokenRows(tdb)).map((row) => row.token), [young.session.id])
    t.equal(await app.accessTokens.pruneExpired(), 0)
    t.ok(await app.accessTokens.verify(young.token))
  })

  t.test(`${driver}: with lifetimeSeconds null nothing expires`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver, plugin: { lifetimeSeconds: null } })
    const clock = controlClock(t, T0)
    const userId = await addUser({ email: 'forever@example.com' })
    clock.set(T0)
    const { token, session } = await app.accessTokens.issue(userId)
    t.equal(session.expiresAt, null)
    clock.set(T0 + 10 * 365 * 24 * HOUR)
    t.equal(await app.accessTokens.pruneExpired(), 0)
    t.equal((await rawTokenRows(tdb)).length, 1)
    t.equal((await app.accessTokens.verify(token))?.session.expiresAt, null)
  })

  t.test(`${driver}: a token table with only the required columns`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver, plugin: { tokens: minimalTokens[FAMILY[driver]] } })
    const userId = await addUser({ email: 'min@example.com' })
    controlClock(t, T0)
    const { token, session } = await app.accessTokens.issue(userId, { userAgent: 'ignored', ip: '192.0.2.9' })
    t.equal(session.userAgent, null, 'no user_agent column: nothing kept')
    t.equal(session.ip, null)
    const verified = await app.accessTokens.verify(token)
    t.equal(verified?.session.lastUsedAt, null, 'no last_used_at column: nothing written')
    t.equal(verified?.user.email, 'min@example.com')
    const [row] = await rawTokenRows(tdb)
    t.equal(row.user_agent, null)
    t.equal(row.last_used_at, null)
    t.same((await app.accessTokens.list(userId)).map((s) => s.id), [session.id])
    t.equal(await app.accessTokens.revoke(token), true)
  })
}

// The migrated access_token table seen through the three required columns only.
const minimalTokens: Record<DialectName, Table> = {
  sqlite: sqliteTable('access_token', {
    token: text('token').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
  }),
  pg: pgTable('access_token', {
    token: pgText('token').primaryKey(),
    userId: uuid('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull()
  }),
  mysql: mysqlTable('access_token', {
    token: varchar('token', { length: 64 }).primaryKey(),
    userId: char('user_id', { length: 36 }).notNull(),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull()
  })
}
