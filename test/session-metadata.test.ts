import t from 'tap'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { pgTable, timestamp, uuid, varchar } from 'drizzle-orm/pg-core'
import { char, datetime, mysqlTable, varchar as mysqlVarchar } from 'drizzle-orm/mysql-core'
import { drivers, openDatabase, FAMILY } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { buildApp, bearer } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'
import { controlClock } from './helpers/controlled-clock.js'
import { rowOf, tokenRows } from './helpers/token-rows.js'

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

async function loginWith (app: import('fastify').FastifyInstance, headers: Record<string, string>): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers,
    payload: { username: 'a@example.com', password: 'correct horse battery staple' }
  })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode}`)
  return response.json().access_token
}

// A token table of the user's own with only the three required columns.
const bareTables = {
  sqlite: {
    table: sqliteTable('bare_token', {
      token: text('token').primaryKey(),
      userId: text('user_id').notNull(),
      createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
    }),
    create: 'create table bare_token (token text primary key, user_id text not null, created_at integer not null)'
  },
  pg: {
    table: pgTable('bare_token', {
      token: varchar('token', { length: 64 }).primaryKey(),
      userId: uuid('user_id').notNull(),
      createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull()
    }),
    create: 'create table bare_token (token varchar(64) primary key, user_id uuid not null, created_at timestamptz(3) not null)'
  },
  mysql: {
    table: mysqlTable('bare_token', {
      token: mysqlVarchar('token', { length: 64 }).primaryKey(),
      userId: char('user_id', { length: 36 }).notNull(),
      createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull()
    }),
    create: 'create table bare_token (token varchar(64) primary key, user_id char(36) not null, created_at datetime(3) not null)'
  }
} satisfies Record<DialectName, { table: unknown, create: string }>

for (const driver of drivers) {
  t.test(`${driver}: user agent and ip are stored at login and listed`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    await addUser({ email: 'a@example.com' })
    const token = await loginWith(app, { 'user-agent': BROWSER })

    const row = await rowOf(tdb, token)
    t.equal(row?.userAgent, BROWSER)
    // app.inject's connection comes from 127.0.0.1.
    t.equal(row?.ip, '127.0.0.1')

    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
    t.equal(listed.statusCode, 200)
    t.match(listed.json(), [{ userAgent: BROWSER, ip: '127.0.0.1', current: true }])
  })

  t.test(`${driver}: the ip is request.ip, so trustProxy is honoured`, async (t) => {
    const behindProxy = await buildApp(t, { driver, fastify: { trustProxy: true } })
    await behindProxy.addUser({ email: 'a@example.com' })
    const proxied = await loginWith(behindProxy.app, { 'x-forwarded-for': '203.0.113.7', 'user-agent': BROWSER })
    t.equal((await rowOf(behindProxy.tdb, proxied))?.ip, '203.0.113.7')
    const listed = await behindProxy.app.inject({ url: '/auth/sessions', headers: bearer(proxied) })
    t.equal(listed.json()[0].ip, '203.0.113.7')

    // Without trustProxy, a client cannot choose the address it is recorded under.
    const direct = await buildApp(t, { driver })
    await direct.addUser({ email: 'a@example.com' })
    const token = await loginWith(direct.app, { 'x-forwarded-for': '203.0.113.7' })
    t.equal((await rowOf(direct.tdb, token))?.ip, '127.0.0.1')
  })

  t.test(`${driver}: a User-Agent longer than 512 characters is truncated, and a missing one is null`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    await addUser({ email: 'a@example.com' })
    const long = 'x'.repeat(300) + 'y'.repeat(2000)
    const token = await loginWith(app, { 'user-agent': long })
    const row = await rowOf(tdb, token)
    t.equal(row?.userAgent, long.slice(0, 512))
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
    t.equal(listed.json()[0].userAgent, long.slice(0, 512))

    const without = await app.inject({
      method: 'POST',
      url: '/auth/login',
      // light-my-request sends a User-Agent of its own unless told not to.
      headers: { 'user-agent': undefined },
      payload: { username: 'a@example.com', password: 'correct horse battery staple' }
    })
    t.equal(without.statusCode, 200)
    t.equal((await rowOf(tdb, without.json().access_token))?.userAgent, null)
  })

  t.test(`${driver}: issue() stores the metadata it is given, truncated to the column sizes`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    const id = await addUser({ email: 'a@example.com' })
    const ip = '2001:db8::' + 'f'.repeat(100)
    const { token, session } = await app.accessTokens.issue(id, { userAgent: 'cli/1.0', ip })
    t.equal(session.userAgent, 'cli/1.0')
    t.equal(session.ip, ip.slice(0, 64))
    t.match(await rowOf(tdb, token), { userAgent: 'cli/1.0', ip: ip.slice(0, 64) })
    const [listed] = await app.accessTokens.list(id)
    t.match(listed, { id: session.id, userAgent: 'cli/1.0', ip: ip.slice(0, 64) })

    const plain = await app.accessTokens.issue(id)
    t.match(plain.session, { userAgent: null, ip: null, lastUsedAt: null })
    t.equal((await tokenRows(tdb)).length, 2)
  })

  t.test(`${driver}: a token table without the optional columns still works`, async (t) => {
    const clock = controlClock(t)
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const bare = bareTables[FAMILY[driver]]
    await tdb.query(bare.create)
    // Any failed last_used_at write would be logged as a warning.
    const warnings = capturedLog('warn')
    const { app, addUser } = await buildApp(t, {
      driver,
      tdb,
      plugin: { tokens: bare.table },
      fastify: { logger: warnings.logger }
    })
    const id = await addUser({ email: 'a@example.com' })
    const token = await loginWith(app, { 'user-agent': BROWSER, 'x-forwarded-for': '203.0.113.7' })

    for (let use = 0; use < 3; use++) {
      const me = await app.inject({ url: '/me', headers: bearer(token) })
      t.equal(me.statusCode, 200)
      clock.advance(61_000)
    }
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
    t.equal(listed.statusCode, 200)
    t.match(listed.json(), [{ userAgent: null, ip: null, lastUsedAt: null, current: true }])
    const [session] = await app.accessTokens.list(id)
    t.match(session, { userAgent: null, ip: null, lastUsedAt: null })

    const rows = await tdb.db.select().from(bare.table)
    t.equal(rows.length, 1)
    t.same(Object.keys(rows[0]).sort(), ['createdAt', 'token', 'userId'])
    t.same(warnings.lines, [], 'no write to a missing column was attempted')

    const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    t.equal(out.statusCode, 204)
    t.equal((await tdb.db.select().from(bare.table)).length, 0)
  })

  t.test(`${driver}: idleTimeoutSeconds needs a last_used_at column`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const bare = bareTables[FAMILY[driver]]
    await tdb.query(bare.create)
    await t.rejects(buildApp(t, { driver, tdb, plugin: { tokens: bare.table, idleTimeoutSeconds: 300 } }), {
      code: 'INVALID_OPTION',
      message: /idleTimeoutSeconds/
    })
  })
}
