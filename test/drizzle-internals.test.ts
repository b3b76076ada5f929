// The fast paths read parts of Drizzle that are not its public API, the
// time limit two of postgres.js, and the revocation listener one more. Each part is pinned here on the installed
// version, so an update that moves one fails this test with its name, not an
// application's request. Drizzle 1.x has
// none of them: there every driver runs Drizzle's own prepared query.
import t from 'tap'
import Database from 'better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import { npmVersion } from 'drizzle-orm/version'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import postgres from 'postgres'
import { readFileSync } from 'node:fs'
import * as betterSqlite3 from '../lib/dialects/drivers/better-sqlite3.js'
import * as nodePostgres from '../lib/dialects/drivers/node-postgres.js'
import * as postgresJs from '../lib/dialects/drivers/postgres-js.js'
import { migrate, migrationsLayout } from '../lib/migrate.js'
import { postgresJsListen } from '../lib/revocations/listen-postgres-js.js'
import { APPLICATION_NAME } from '../lib/revocations/listen.js'
import { accessTokens as sqliteTokens } from '../lib/schema/sqlite.js'
import { accessTokens as pgTokens } from '../lib/schema/pg.js'
import { drivers, openDatabase } from './helpers/databases.js'
import { until } from './helpers/within.js'

const legacy = npmVersion.startsWith('0.')

// postgres.js exports no package.json: read it from the installed folder.
const postgresVersion: string = JSON.parse(readFileSync(new URL('../node_modules/postgres/package.json', import.meta.url), 'utf8')).version

t.test(`better-sqlite3 on drizzle-orm ${npmVersion}: the prepared query's internals`, async (t) => {
  const db = drizzleSqlite({ client: new Database(':memory:') })
  await migrate(db)
  const prepared: any = db.select({ token: sqliteTokens.token }).from(sqliteTokens).where(eq(sqliteTokens.token, sql.placeholder('digest'))).prepare()
  if (legacy) {
    // Each internal the fast path reads, by name.
    t.equal(typeof prepared.stmt?.raw, 'function', 'BetterSQLitePreparedQuery.stmt: the better-sqlite3 Statement, with raw()')
    t.ok(Array.isArray(prepared.fields), 'BetterSQLitePreparedQuery.fields: the selected fields, in column order')
    t.same(prepared.fields?.[0]?.path, ['token'], 'fields[i].path: where the value goes in the row object')
    t.equal(prepared.fields?.[0]?.field, sqliteTokens.token, 'fields[i].field: the column, with mapFromDriverValue')
    t.equal(typeof prepared.query?.sql, 'string', 'BetterSQLitePreparedQuery.query.sql')
    t.ok(Array.isArray(prepared.query?.params), 'BetterSQLitePreparedQuery.query.params: values and placeholders')
    t.equal(typeof prepared.logger?.logQuery, 'function', 'BetterSQLitePreparedQuery.logger')
    t.equal(betterSqlite3.fastPathParts(prepared), true, 'the fast path is taken')
  } else {
    t.equal(betterSqlite3.fastPathParts(prepared), false, 'Drizzle 1.x: its own prepared query is used')
  }
})

t.test('better-sqlite3: the fast path maps rows as Drizzle does, and logs each query', async (t) => {
  // A stand-in with the 0.45 shape, on any Drizzle: a real statement, columns
  // one level deep and two, a NULL.
  const client = new Database(':memory:')
  const logged: unknown[] = []
  const stand = {
    stmt: client.prepare("select ? as a, 'b' as b, null as c"),
    query: { sql: 'select ...', params: [sql.placeholder('x')] },
    logger: { logQuery: (_sql: string, params: unknown[]) => { logged.push(params) } },
    fields: [
      { path: ['a'], field: { mapFromDriverValue: (value: unknown) => Number(value) * 2 } },
      { path: ['user', 'b'], field: { mapFromDriverValue: (value: unknown) => String(value).toUpperCase() } },
      { path: ['user', 'c'], field: { mapFromDriverValue: () => 'never for NULL' } }
    ]
  }
  t.equal(betterSqlite3.fastPathParts(stand), true)
  t.same(betterSqlite3.directSelect(stand)({ x: 21 }), [{ a: 42, user: { b: 'B', c: null } }])
  t.same(logged, [[21]])
})

t.test('better-sqlite3: without the internals, Drizzle\'s own prepared query answers', async (t) => {
  const db = drizzleSqlite({ client: new Database(':memory:') })
  const select = betterSqlite3.betterSqlite3.prepare(db, { prepare: () => ({ all: (values: unknown) => [values] }) } as never, 'unused')
  t.same(select({ digest: 'd' }), [{ digest: 'd' }])
})

for (const driver of drivers.filter((name) => name === 'node-postgres')) {
  t.test(`${driver} on drizzle-orm ${npmVersion}: the prepared query's internals`, async (t) => {
    const tdb = await openDatabase(driver, { migrated: false })
    t.teardown(() => tdb.close())
    const prepared: any = tdb.db.select({ token: pgTokens.token }).from(pgTokens).where(eq(pgTokens.token, sql.placeholder('digest'))).prepare('pinned')
    if (legacy) {
      t.equal(typeof prepared.client?.query, 'function', 'NodePgPreparedQuery.client: the pg Pool or Client')
      t.equal(prepared.queryConfig?.name, 'pinned', 'NodePgPreparedQuery.queryConfig.name: the statement name')
      t.equal(prepared.queryConfig?.rowMode, 'array', 'NodePgPreparedQuery.queryConfig.rowMode: array rows')
      t.equal(typeof prepared.queryConfig?.types?.getTypeParser, 'function', 'NodePgPreparedQuery.queryConfig.types: Drizzle\'s type parsers')
      t.ok(Array.isArray(prepared.params), 'NodePgPreparedQuery.params: values and placeholders')
      t.same(prepared.fields?.[0]?.path, ['token'], 'NodePgPreparedQuery.fields[i].path')
      t.equal(prepared.fields?.[0]?.field, pgTokens.token, 'NodePgPreparedQuery.fields[i].field')
      t.equal(typeof prepared.logger?.logQuery, 'function', 'NodePgPreparedQuery.logger')
      t.equal(nodePostgres.fastPathParts(prepared), true, 'the fast path is taken')
    } else {
      t.equal(nodePostgres.fastPathParts(prepared), false, 'Drizzle 1.x: its own prepared query is used')
    }
  })
}

// postgres.js's part: the time limit cancels a query only where postgres.js
// reads its answer correctly (lib/dialects/drivers/postgres-js.ts).
for (const driver of drivers.filter((name) => name === 'postgres-js')) {
  t.test(`${driver} ${postgresVersion}: a query's active and canceller, which the time limit reads`, async (t) => {
    const tdb = await openDatabase(driver, { migrated: false })
    const client = postgres(tdb.url!, { max: 1, onnotice: () => {} })
    t.teardown(async () => {
      await client.end({ timeout: 0 })
      await tdb.close()
    })
    // Prepared once, as Drizzle's named statements are: postgres.js then sends
    // the second behind the first on the one connection, without waiting.
    const sleep = 'select pg_sleep($1)'
    const one = 'select $1::int as one'
    await client.unsafe(sleep, [0], { prepare: true })
    await client.unsafe(one, [1], { prepare: true })
    const running = client.unsafe(sleep, [0.3], { prepare: true }) as unknown as postgresJs.PendingQuery
    t.equal(running.active, false, 'Query.active: false until the query is sent')
    t.equal(typeof running.canceller, 'function', 'Query.canceller: what cancel() calls')
    const first = running.then(() => 'done', (error: { code?: string }) => error.code)
    const behind = client.unsafe(one, [1], { prepare: true }) as unknown as postgresJs.PendingQuery
    const second = behind.then(() => 'done', (error: { code?: string }) => error.code)
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.equal(running.active, true, 'Query.active: true while its connection runs it')
    t.equal(behind.active, false, 'Query.active: false while it waits behind another on its connection')
    postgresJs.cancelIfRunning(behind)
    t.equal(typeof behind.canceller, 'function', 'a query waiting behind another is left alone')
    postgresJs.cancelIfRunning(running)
    t.equal(running.canceller, null, 'the running one is cancelled')
    t.same(await Promise.all([first, second]), ['57014', 'done'], 'PostgreSQL ended the running query; the one behind it answered')
  })
}

// postgres.js's part in revocations: the listener's client of its own gets
// each notification through its `onnotify` option, and learns that its
// connection closed through `onclose` (lib/revocations/listen-postgres-js.ts).
// postgres.js's own `listen` makes its client the same way; `onnotify` is
// not in postgres.js's typed options.
for (const driver of drivers.filter((name) => name === 'postgres-js')) {
  t.test(`${driver} ${postgresVersion}: the onnotify and onclose options, which the revocation listener uses`, async (t) => {
    const tdb = await openDatabase(driver, { migrated: false })
    const client = postgres(tdb.url!, { max: 1, onnotice: () => {} })
    t.teardown(async () => {
      await client.end({ timeout: 0 })
      await tdb.close()
    })
    const messages: string[][] = []
    const lost: unknown[] = []
    const listening = await postgresJsListen(client)!(['access_tokens_pin'], { message: (channel, payload) => messages.push([channel, payload]), lost: (error) => lost.push(error) })
    t.teardown(() => listening.close())
    if (listening.inProcess === true) throw new Error('postgres.js listens on a connection')
    await client.notify('access_tokens_pin', 'from another connection')
    await listening.notify('access_tokens_pin', 'through the listening one')
    t.ok(await until(() => messages.length === 2, 2000), 'onnotify: notifications arrive')
    t.same(messages, [['access_tokens_pin', 'from another connection'], ['access_tokens_pin', 'through the listening one']])
    const [{ gone }] = await client`select count(pg_terminate_backend(pid))::int as gone from pg_stat_activity where datname = current_database() and application_name = ${APPLICATION_NAME}`
    t.equal(gone, 1, 'the listening connection shows under its name')
    t.ok(await until(() => lost.length === 1, 2000), 'onclose: the end of the connection is a lost channel at once')
  })
}

t.test('postgres.js: a cancel request that cannot be sent is no unhandled rejection', async (t) => {
  const attempts: unknown[] = []
  const query = Object.assign(Promise.resolve(), {
    active: true,
    canceller: async (cancelled: unknown) => {
      attempts.push(cancelled)
      throw new Error('connect ECONNREFUSED')
    }
  })
  postgresJs.cancelIfRunning(query)
  postgresJs.cancelIfRunning(query)
  // A rejection left unhandled would end this test process.
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(attempts, [query], 'sent once, its failure ignored')
})

t.test('node-postgres: the fast path sends Drizzle\'s query config with the bound values, and maps rows', async (t) => {
  const sent: unknown[] = []
  const logged: unknown[] = []
  const queryConfig = { name: 'n', text: 'select $1', rowMode: 'array' as const }
  const stand = {
    client: { query: async (config: unknown, values: unknown[]) => { sent.push([config, values]); return { rows: [['x', null]] } } },
    queryConfig,
    params: [sql.placeholder('digest')],
    logger: { logQuery: (text: string, params: unknown[]) => { logged.push([text, params]) } },
    fields: [
      { path: ['token', 'token'], field: { mapFromDriverValue: (value: unknown) => `${String(value)}!` } },
      { path: ['token', 'ip'], field: { mapFromDriverValue: () => 'never for NULL' } }
    ]
  }
  t.equal(nodePostgres.fastPathParts(stand), true)
  t.same(await nodePostgres.directSelect(stand)({ digest: 'abc' }), [{ token: { token: 'x!', ip: null } }])
  t.same(sent, [[queryConfig, ['abc']]])
  t.same(logged, [['select $1', ['abc']]])
  const select = nodePostgres.nodePostgres.prepare(null as never, { prepare: () => ({ execute: async (values: unknown) => [values] }) } as never, 'unused')
  t.same(await select({ digest: 'd' }), [{ digest: 'd' }], 'without the internals, Drizzle\'s own prepared query answers')
})

t.test('the migrations folder follows the Drizzle version', async (t) => {
  // drizzle-orm 1.x refuses drizzle-kit 0.x folders (meta/_journal.json).
  t.equal(migrationsLayout('0.45.4'), '')
  t.equal(migrationsLayout('1.0.0-rc.5'), 'v1/')
  t.equal(migrationsLayout(npmVersion), legacy ? '' : 'v1/')
})

t.test('the plugin\'s lookup answers the same rows as Drizzle\'s own query, on every driver', async (t) => {
  for (const driver of drivers) {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    const { users, accessTokens } = tdb.schema as typeof import('../lib/schema/sqlite.js')
    const id = crypto.randomUUID()
    await tdb.db.insert(users).values({ id, email: `${driver}@example.com`, hashedPassword: 'x' })
    await tdb.db.insert(accessTokens).values({ token: 'digest', userId: id, createdAt: new Date(1_700_000_000_123), userAgent: null, ip: '::1' })
    const { dialectOf } = await import('../lib/dialects/index.js')
    const dialect = dialectOf(tdb.db)!
    const query = (digest: unknown): any => tdb.db.select({ token: { token: accessTokens.token, createdAt: accessTokens.createdAt, lastUsedAt: accessTokens.lastUsedAt, ip: accessTokens.ip }, user: { id: users.id, isActive: users.isActive } })
      .from(accessTokens).innerJoin(users, eq(accessTokens.userId, users.id)).where(eq(accessTokens.token, digest as string))
    const ours = await dialect.prepare(query(sql.placeholder('digest')), `compare_${driver.replace('-', '_')}`)({ digest: 'digest' })
    t.same(ours, await dialect.all(query('digest')), driver)
    t.same(ours, [{ token: { token: 'digest', createdAt: new Date(1_700_000_000_123), lastUsedAt: null, ip: '::1' }, user: { id, isActive: true } }], `${driver}: types as Drizzle maps them`)
  }
})
