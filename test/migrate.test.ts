// migrate(db): the default tables from drizzle/<driver>, recorded in a
// migrations table of the plugin's own, safe to run at every start.
import { readFileSync } from 'node:fs'
import t from 'tap'
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import accessTokens, { migrate, MIGRATIONS_TABLE, createUser } from '../index.js'
import { drivers, openDatabase, type TestDriver, type TestDatabase, FAMILY } from './helpers/databases.js'
import type { DialectName, DrizzleDatabase } from '../lib/dialects/types.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'

const TABLES: Record<DialectName, string> = {
  sqlite: "select name from sqlite_master where type = 'table'",
  // drizzle's PostgreSQL migrator keeps its table in the `drizzle` schema.
  pg: "select table_name as name from information_schema.tables where table_schema in ('public', 'drizzle')",
  mysql: 'select table_name as name from information_schema.tables where table_schema = database()'
}

async function tableNames (tdb: TestDatabase): Promise<string[]> {
  const rows = await tdb.query(TABLES[tdb.dialect])
  return rows.map((row) => String(row.name ?? row.NAME ?? row.TABLE_NAME))
}

function migrationsTable (driver: TestDriver): string {
  return FAMILY[driver] === 'pg' ? `drizzle.${MIGRATIONS_TABLE}` : MIGRATIONS_TABLE
}

t.equal(MIGRATIONS_TABLE, '__access_tokens_migrations')

for (const driver of drivers) {
  const journal = JSON.parse(readFileSync(new URL(`../drizzle/${FAMILY[driver]}/meta/_journal.json`, import.meta.url), 'utf8'))

  t.test(`${driver}: migrate creates the tables and its migrations table`, async (t) => {
    const tdb = await openDatabase(driver, { migrated: false })
    t.teardown(() => tdb.close())
    t.notOk((await tableNames(tdb)).includes('user'), 'a fresh database has no user table')

    const result = migrate(tdb.db)
    t.ok(result instanceof Promise, 'migrate returns a Promise')
    t.equal(await result, undefined)

    const names = await tableNames(tdb)
    for (const name of ['user', 'access_token', MIGRATIONS_TABLE]) t.ok(names.includes(name), `${name} exists`)
    t.notOk(names.includes('__drizzle_migrations'), "drizzle's default migrations table is left to the application")
    const applied = await tdb.query(`select * from ${migrationsTable(driver)}`)
    t.equal(applied.length, journal.entries.length, 'one row per migration')

    // The migrated tables are the ones the plugin works with.
    const { app, login } = await buildApp(t, { driver, tdb })
    await createUser(tdb.db, { email: 'm@example.com', password: PASSWORD })
    const token = await login('m@example.com')
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  })

  t.test(`${driver}: migrate is idempotent and keeps the data`, async (t) => {
    const tdb = await openDatabase(driver, { migrated: false })
    t.teardown(() => tdb.close())
    await migrate(tdb.db)
    const user = await createUser<{ id: string }>(tdb.db, { email: 'keep@example.com', password: PASSWORD })

    const again = migrate(tdb.db)
    t.ok(again instanceof Promise)
    await t.resolves(again)
    await t.resolves(migrate(tdb.db))

    const applied = await tdb.query(`select * from ${migrationsTable(driver)}`)
    t.equal(applied.length, journal.entries.length, 'nothing applied twice')
    const users = await tdb.query('select id, email from "user"'.replace(/"/g, FAMILY[driver] === 'mysql' ? '`' : '"'))
    t.same(users.map((row) => ({ id: String(row.id), email: row.email })), [{ id: String(user.id), email: 'keep@example.com' }])
  })
}

t.test('migrate of something that is not a Drizzle database rejects with a TypeError', async (t) => {
  const raw = new Database(':memory:')
  t.teardown(() => raw.close())
  for (const value of [undefined, null, 'app.db', 42, {}, raw]) {
    // What an untyped caller might pass.
    const result = migrate(value as DrizzleDatabase)
    t.ok(result instanceof Promise, 'still a Promise')
    await t.rejects(result, TypeError)
  }
  // Nothing was created in the raw client that was passed by mistake.
  t.same(raw.prepare("select name from sqlite_master where type = 'table'").all(), [])
})

t.test('registering on a SQLite database without the tables names the cause', async (t) => {
  const tdb = await openDatabase('better-sqlite3', { migrated: false })
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(accessTokens, { database: tdb.db })
  const error = await app.ready().then(() => null, (caught: Error & { code?: string }) => caught)
  t.equal(error?.code, 'INVALID_OPTION')
  t.match(error?.message, /database/)
  t.match(error?.message, /migrate\(db\)/)
})
