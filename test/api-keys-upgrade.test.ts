// The upgrade to the API-key columns: a database migrated to the previous
// migration, holding live login tokens, keeps them working after migrate(),
// on every dialect; and a token table without the columns is refused for
// apiKeys, naming them.
import t from 'tap'
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { npmVersion } from 'drizzle-orm/version'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import accessTokens, { createUser, generateToken, hashToken, migrate, MIGRATIONS_TABLE } from '../index.js'
import { requireDialect } from '../lib/dialects/index.js'
import { migrationsLayout } from '../lib/migrate.js'
import { drivers, familyOf, openDatabase } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import * as sqliteSchema from '../lib/schema/sqlite.js'

const PLACEHOLDERS: Record<DialectName, string> = { sqlite: '?, ?, ?, ?', pg: '$1, $2, $3, $4', mysql: '?, ?, ?, ?' }

/** created_at as each dialect's column takes it from a raw query. */
function createdAt (dialect: DialectName, at: Date): unknown {
  if (dialect === 'sqlite') return at.getTime()
  if (dialect === 'pg') return at.toISOString()
  // datetime(3) holds no zone; the plugin reads it as UTC.
  return at.toISOString().replace('T', ' ').replace('Z', '')
}

for (const driver of drivers) {
  const dialect = familyOf(driver)
  t.test(`${driver}: live tokens of the previous schema keep working after migrate`, async (t) => {
    const tdb = await openDatabase(driver, { migrated: false })
    t.teardown(() => tdb.close())
    // The migrations as they were before the API-key columns: the first only,
    // in the layout of the installed Drizzle.
    const layout = migrationsLayout(npmVersion)
    const folder = join(t.testdir(), dialect)
    cpSync(fileURLToPath(new URL(`../drizzle/${layout}${dialect}/`, import.meta.url)), folder, { recursive: true })
    if (layout === '') {
      const journalFile = join(folder, 'meta', '_journal.json')
      const journal = JSON.parse(readFileSync(journalFile, 'utf8'))
      t.equal(journal.entries[1].tag, '0001_api_keys', 'the API-key migration comes second')
      journal.entries = journal.entries.slice(0, 1)
      writeFileSync(journalFile, JSON.stringify(journal))
    } else {
      const later = readdirSync(folder).sort().slice(1)
      t.match(later[0], /_api_keys$/, 'the API-key migration comes second')
      for (const name of later) rmSync(join(folder, name), { recursive: true })
    }
    await requireDialect(tdb.db).migrate(folder, MIGRATIONS_TABLE)

    const user = await createUser<{ id: string }>(tdb.db, { email: 'old@example.com', password: PASSWORD })
    const secrets = [generateToken(), generateToken()]
    for (const secret of secrets) {
      await tdb.query(`insert into access_token (token, user_id, created_at, ip) values (${PLACEHOLDERS[dialect]})`,
        [hashToken(secret), user.id, createdAt(dialect, new Date(Date.now() - 60_000)), '198.51.100.1'])
    }

    await migrate(tdb.db)
    const built = await buildApp(t, { tdb, plugin: { apiKeys: true } })
    const { app } = built
    for (const secret of secrets) {
      const me = await app.inject({ url: '/me', headers: bearer(secret) })
      t.equal(me.statusCode, 200, 'an old token still signs in')
      t.equal(me.json().email, 'old@example.com')
    }
    const listed = await app.inject({ url: '/auth/sessions', headers: bearer(secrets[0]) })
    t.same(listed.json().map((s: { id: string }) => s.id).sort(), secrets.map(hashToken).sort(), 'old rows are login sessions')
    t.equal(listed.json()[0].ip, '198.51.100.1')

    const created = await app.inject({ method: 'POST', url: '/auth/api-keys', headers: bearer(secrets[0]), payload: { name: 'new' } })
    t.equal(created.statusCode, 201, 'an old login creates a key')
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(secrets[0]) })).statusCode, 204)
    t.equal((await app.inject({ url: '/me', headers: bearer(secrets[1]) })).statusCode, 401, 'logout-all ends the old logins')
    t.equal((await app.inject({ url: '/me', headers: bearer(created.json().token) })).statusCode, 200, 'and leaves the key')
  })
}

t.test('apiKeys with a token table that lacks the columns is INVALID_OPTION naming them', async (t) => {
  const { sqliteTable, text, integer } = await import('drizzle-orm/sqlite-core')
  const oldTokens = sqliteTable('old_token', {
    token: text('token').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    name: text('name')
  })
  const tdb = await openDatabase('better-sqlite3')
  t.teardown(() => tdb.close())
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(accessTokens, { database: tdb.db, tokens: oldTokens, users: sqliteSchema.users, apiKeys: true })
  await t.rejects(async () => { await app.ready() }, { code: 'INVALID_OPTION', message: /apiKeys.*kind, scopes, expires_at/ })

  // Without apiKeys the same table works, and a key-less table answers as one.
  await tdb.query('create table old_token (token text primary key, user_id text not null, created_at integer not null, name text)')
  const built = await buildApp(t, { tdb, plugin: { tokens: oldTokens } })
  const user = await createUser<{ id: string }>(tdb.db, { email: 'a@example.com', password: PASSWORD })
  const token = await built.login('a@example.com')
  t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  t.same(await built.app.accessTokens.listApiKeys(user.id), [])
  t.equal(await built.app.accessTokens.revokeAll(user.id, { kind: 'api-key' }), 0)
  t.equal((await built.app.accessTokens.list(user.id))[0].kind, 'session')
  t.equal(await built.app.accessTokens.revokeAll(user.id, { kind: 'session' }), 1)
})
