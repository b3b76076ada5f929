// What differs per database and driver, seen from the dialect layer itself.
import t from 'tap'
import Fastify from 'fastify'
import { drizzle as pgProxy } from 'drizzle-orm/pg-proxy'
import { drizzle as mysqlProxy } from 'drizzle-orm/mysql-proxy'
import { sql } from 'drizzle-orm'
import { drizzle as sqliteProxy } from 'drizzle-orm/sqlite-proxy'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql'
import { createClient } from '@libsql/client'
import accessTokens, { migrate } from '../index.js'
import { dialectOf, requireDialect } from '../lib/dialects/index.js'
import { drivers, openDatabase, FAMILY } from './helpers/databases.js'
import { bearer, buildApp } from './helpers/app.js'
import * as sqliteSchema from '../lib/schema/sqlite.js'

for (const driver of drivers) {
  t.test(`${driver}: the driver is recognised and counts the rows a write touched`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const found = dialectOf(tdb.db)
    t.equal(found?.name, FAMILY[driver], 'its family')
    t.equal(found?.driver, driver, 'its driver')
    t.ok(found?.ownsTable(tdb.schema.accessTokens))
    t.equal(await found!.write(tdb.db.delete(tdb.schema.accessTokens)), 0, 'nothing to delete')
    await found!.write(tdb.db.insert(tdb.schema.users).values([
      { id: crypto.randomUUID(), email: 'a@example.com', hashedPassword: 'x' },
      { id: crypto.randomUUID(), email: 'b@example.com', hashedPassword: 'x' }
    ]))
    t.equal(await found!.write(tdb.db.delete(tdb.schema.users)), 2, 'two rows deleted')
  })

  t.test(`${driver}: a transaction object is not a database`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    let inside: unknown
    if (FAMILY[driver] === 'sqlite' && driver !== 'libsql') {
      tdb.db.transaction((tx: unknown) => { inside = dialectOf(tx) })
    } else {
      await tdb.db.transaction(async (tx: unknown) => { inside = dialectOf(tx) })
    }
    t.equal(inside, null)
  })
}

if (drivers.includes('node-postgres')) {
  t.test('node-postgres: a statement without a row count counts as 0 rows', async (t) => {
    const tdb = await openDatabase('node-postgres', { migrated: false })
    t.teardown(() => tdb.close())
    // SET answers without a row count (node-postgres: rowCount null).
    t.equal(await dialectOf(tdb.db)!.write(tdb.db.execute(sql`set statement_timeout = 0`)), 0)
  })
}

if (drivers.includes('pglite')) {
  t.test('pglite: a statement without a row count counts as 0 rows', async (t) => {
    const tdb = await openDatabase('pglite', { migrated: false })
    t.teardown(() => tdb.close())
    t.equal(await dialectOf(tdb.db)!.write(tdb.db.execute(sql`set statement_timeout = 0`)), 0)
  })
}

t.test('libsql on :memory:: logins, the per-user limit and sessions on one in-memory database', async (t) => {
  // libSQL's interactive transactions would open another connection, which on
  // :memory: is another, empty database: the plugin's writes must not need one.
  const client = createClient({ url: ':memory:' })
  t.teardown(() => client.close())
  const db = drizzleLibsql({ client })
  await migrate(db)
  const tdb = { driver: 'libsql' as const, dialect: 'sqlite' as const, db, schema: sqliteSchema, query: async () => [], url: null, close: async () => {} }
  const built = await buildApp(t, { tdb, plugin: { maxTokensPerUser: 2 } })
  await built.addUser({ email: 'a@example.com', quickHash: true })
  const tokens = [await built.login('a@example.com'), await built.login('a@example.com'), await built.login('a@example.com')]
  const statuses = await Promise.all(tokens.map(async (token) => (await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode))
  t.same(statuses, [401, 200, 200], 'the oldest token went, the newest two work')
  const sessions = await built.app.inject({ url: '/auth/sessions', headers: bearer(tokens[2]) })
  t.equal(sessions.json().length, 2)
})

t.test('databases on drivers that are not ours are refused', async (t) => {
  // Asynchronous SQLite through a proxy, the proxy drivers of the servers:
  // they prepare and run queries in ways the drivers here were not written for.
  const others = [sqliteProxy((async () => ({ rows: [] })) as never), pgProxy(async () => ({ rows: [] })), mysqlProxy(async () => ({ rows: [] }))]
  for (const db of others) t.equal(dialectOf(db), null)
  for (const value of [null, undefined, 'db', 42, {}, () => {}]) t.equal(dialectOf(value), null)
  t.throws(() => requireDialect(others[0]), /better-sqlite3, @libsql\/client, node:sqlite \(Drizzle 1\.x\), pg, postgres, @electric-sql\/pglite or mysql2/)
})

t.test('registration on another driver fails with INVALID_OPTION naming the supported drivers', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(accessTokens, { database: pgProxy(async () => ({ rows: [] })) as never })
  await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: /database.*better-sqlite3.*@libsql\/client.*postgres.*pglite.*mysql2/ })
})
