// drizzle-kit with an application's own schema file that re-exports the
// plugin's tables and adds its own: an integer-id user table with a token
// table from defineAccessTokenTable, and a token table written by hand with
// an extra column. `drizzle-kit generate` runs on a temporary folder, Drizzle's
// migrator applies the result to a fresh database, and the plugin works on
// the tables it made.
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { eq } from 'drizzle-orm'
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import { migrate as migrateMysql } from 'drizzle-orm/mysql2/migrator'
import { onePerFamily, openDatabase, type TestDriver, type TestDatabase, FAMILY } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { bearer, buildApp, cachedHash, PASSWORD } from './helpers/app.js'
import { childEnv } from './helpers/child-env.js'

const run = promisify(execFile)
const DRIZZLE_KIT = fileURLToPath(new URL('../node_modules/drizzle-kit/bin.cjs', import.meta.url))
const schemaModule = (dialect: DialectName): string => fileURLToPath(new URL(`../lib/schema/${dialect}.ts`, import.meta.url))

// The application's schema file, per dialect. An application imports from
// 'fastify-access-tokens/<dialect>'; here the package's source stands in.
const schemas: Record<DialectName, (from: string) => string> = {
  sqlite: (from) => `
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { defineAccessTokenTable, users } from '${from}'

// The plugin's default tables, created along with the application's.
export { users, accessTokens } from '${from}'

// A user table with integer ids, and a token table that references it.
export const members = sqliteTable('member', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  hashedPassword: text('hashed_password').notNull(),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true)
})
export const memberTokens = defineAccessTokenTable(members.id, { name: 'member_token' })

// A token table of the application's own: the required columns, one
// optional column, and an extra column the plugin leaves alone.
export const deviceTokens = sqliteTable('device_token', {
  token: text('token').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  device: text('device')
}, (table) => [index('device_token_user_id_idx').on(table.userId)])
`,
  pg: (from) => `
import { boolean, index, pgTable, serial, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core'
import { defineAccessTokenTable, users } from '${from}'

export { users, accessTokens } from '${from}'

export const members = pgTable('member', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  hashedPassword: text('hashed_password').notNull(),
  isActive: boolean('is_active').notNull().default(true)
})
export const memberTokens = defineAccessTokenTable(members.id, { name: 'member_token' })

export const deviceTokens = pgTable('device_token', {
  token: varchar('token', { length: 64 }).primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3, mode: 'date' }),
  device: text('device')
}, (table) => [index('device_token_user_id_idx').on(table.userId)])
`,
  mysql: (from) => `
import { boolean, char, datetime, index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core'
import { defineAccessTokenTable, users } from '${from}'

export { users, accessTokens } from '${from}'

export const members = mysqlTable('member', {
  id: int('id').primaryKey().autoincrement(),
  email: varchar('email', { length: 320 }).notNull().unique(),
  hashedPassword: varchar('hashed_password', { length: 255 }).notNull(),
  isActive: boolean('is_active').notNull().default(true)
})
export const memberTokens = defineAccessTokenTable(members.id, { name: 'member_token' })

export const deviceTokens = mysqlTable('device_token', {
  token: varchar('token', { length: 64 }).primaryKey(),
  userId: char('user_id', { length: 36 }).notNull().references(() => users.id, { onDelete: 'cascade' }),
  createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
  lastUsedAt: datetime('last_used_at', { mode: 'date', fsp: 3 }),
  device: varchar('device', { length: 128 })
}, (table) => [index('device_token_user_id_idx').on(table.userId)])
`
}

const KIT_DIALECT: Record<DialectName, string> = { sqlite: 'sqlite', pg: 'postgresql', mysql: 'mysql' }
// The SQL type of member_token.user_id: that of member.id, without its auto-increment.
const INTEGER_TYPE: Record<DialectName, string> = { sqlite: 'integer', pg: 'integer', mysql: 'int' }

async function applyMigrations (tdb: TestDatabase, migrationsFolder: string): Promise<void> {
  if (tdb.dialect === 'sqlite') migrateSqlite(tdb.db, { migrationsFolder })
  else if (tdb.dialect === 'pg') await migratePg(tdb.db, { migrationsFolder })
  else await migrateMysql(tdb.db, { migrationsFolder })
}

/** Column name -> SQL type (lower case), as the database reports it. */
async function columnsOf (tdb: TestDatabase, table: string): Promise<Record<string, string>> {
  const rows = tdb.dialect === 'sqlite'
    ? await tdb.query('select name, type from pragma_table_info(?)', [table])
    : tdb.dialect === 'pg'
      ? await tdb.query("select column_name as name, data_type as type from information_schema.columns where table_schema = 'public' and table_name = $1", [table])
      : await tdb.query('select column_name as name, data_type as type from information_schema.columns where table_schema = database() and table_name = ?', [table])
  return Object.fromEntries(rows.map((row) => [String(row.name), String(row.type).toLowerCase()]))
}

/** The delete rule of each foreign key of `table` (lower case). */
async function deleteRules (tdb: TestDatabase, table: string): Promise<string[]> {
  const rows = tdb.dialect === 'sqlite'
    ? await tdb.query('select on_delete as rule from pragma_foreign_key_list(?)', [table])
    : tdb.dialect === 'pg'
      ? await tdb.query('select rc.delete_rule as rule from information_schema.referential_constraints rc join information_schema.table_constraints tc on tc.constraint_name = rc.constraint_name and tc.constraint_schema = rc.constraint_schema where tc.table_name = $1', [table])
      : await tdb.query('select delete_rule as rule from information_schema.referential_constraints where constraint_schema = database() and table_name = ?', [table])
  return rows.map((row) => String(row.rule).toLowerCase())
}

/** Writes the schema file in a temporary folder and runs drizzle-kit generate on it. */
async function generate (t: Test, driver: TestDriver): Promise<{ schemaFile: string, out: string, sql: string }> {
  // t.testdir is inside the project (.tap/fixtures), so the schema file
  // finds drizzle-orm in node_modules as an application's would; it is
  // removed when the test ends.
  const dir = t.testdir({ 'schema.ts': schemas[FAMILY[driver]](schemaModule(FAMILY[driver])) })
  const schemaFile = join(dir, 'schema.ts')
  const out = join(dir, 'migrations')
  // drizzle-kit loads TypeScript itself; the test runner's loader stays out of it.
  const env = childEnv()
  await run(process.execPath, [DRIZZLE_KIT, 'generate', '--dialect', KIT_DIALECT[FAMILY[driver]], '--schema', schemaFile, '--out', out], { cwd: dir, env })
  // drizzle-kit 0.x writes out/0000_<name>.sql and a journal, 1.x
  // out/<timestamp>_<name>/migration.sql: one SQL file either way.
  const files = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.sql'))
  t.equal(files.length, 1, 'one migration')
  return { schemaFile, out, sql: readFileSync(join(out, files[0]!), 'utf8') }
}

// drizzle-kit's output depends on the dialect alone: one driver of each.
for (const driver of onePerFamily) {
  t.test(`${driver}: drizzle-kit generate on an application schema, applied with Drizzle's migrator`, async (t) => {
    const { schemaFile, out, sql } = await generate(t, driver)
    for (const table of ['user', 'access_token', 'member', 'member_token', 'device_token']) {
      t.match(sql, new RegExp(`CREATE TABLE [\`"]${table}[\`"]`), `the migration creates ${table}`)
    }

    const tdb = await openDatabase(driver, { migrated: false })
    t.teardown(() => tdb.close())
    await applyMigrations(tdb, out)
    // The application's own migrator may run again at every start.
    await applyMigrations(tdb, out)

    const tokenColumns = ['created_at', 'expires_at', 'ip', 'kind', 'last_used_at', 'name', 'scopes', 'token', 'user_agent', 'user_id']
    t.same(Object.keys(await columnsOf(tdb, 'access_token')).sort(), tokenColumns)
    t.same(Object.keys(await columnsOf(tdb, 'user')).sort(), ['email', 'hashed_password', 'id', 'is_active', 'is_superuser', 'is_verified'])
    const memberTokenColumns = await columnsOf(tdb, 'member_token')
    t.same(Object.keys(memberTokenColumns).sort(), tokenColumns)
    t.equal(memberTokenColumns.user_id, INTEGER_TYPE[FAMILY[driver]], 'member_token.user_id has the type of member.id')
    t.same(Object.keys(await columnsOf(tdb, 'device_token')).sort(), ['created_at', 'device', 'last_used_at', 'token', 'user_id'])
    for (const table of ['access_token', 'member_token', 'device_token']) {
      t.same(await deleteRules(tdb, table), ['cascade'], `${table}: on delete cascade`)
    }

    // The tables, as the application imports them.
    const schema = await import(pathToFileURL(schemaFile).href)

    t.test('the re-exported default tables', async (t) => {
      const { app, addUser, login } = await buildApp(t, { driver, tdb, plugin: { tokens: schema.accessTokens, users: schema.users } })
      await addUser({ email: 'ann@example.com' })
      const token = await login('ann@example.com')
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).json().email, 'ann@example.com')
    })

    t.test('the integer-id user table and its defineAccessTokenTable', async (t) => {
      const { members, memberTokens } = schema
      await tdb.db.insert(members).values({ email: 'max@example.com', hashedPassword: await cachedHash(PASSWORD) })
      const [member] = await tdb.db.select().from(members).where(eq(members.email, 'max@example.com'))
      const { app, login } = await buildApp(t, { driver, tdb, plugin: { users: members, tokens: memberTokens } })
      const token = await login('max@example.com')
      const me = await app.inject({ url: '/me', headers: bearer(token) })
      t.equal(me.statusCode, 200)
      t.same(me.json(), { id: member.id, email: 'max@example.com', isActive: true, isVerified: false, isSuperuser: false }, 'the canonical user object: the flags without a column read as their defaults')
      t.equal(typeof me.json().id, 'number')
      const [row] = await tdb.db.select().from(memberTokens)
      t.equal(row.userId, member.id)
      // Deleting the member deletes its tokens: the foreign key cascades.
      await tdb.db.delete(members).where(eq(members.id, member.id))
      t.same(await tdb.db.select().from(memberTokens), [])
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
    })

    t.test('the hand-written token table with an extra column', async (t) => {
      const { deviceTokens } = schema
      const { app, addUser, login } = await buildApp(t, { driver, tdb, plugin: { tokens: deviceTokens, users: schema.users } })
      await addUser({ email: 'dev@example.com' })
      const token = await login('dev@example.com')
      const sessions = await app.inject({ url: '/auth/sessions', headers: bearer(token) })
      t.equal(sessions.statusCode, 200)
      const [session] = sessions.json()
      // Columns the table lacks are null; the extra one is the application's.
      t.equal(session.userAgent, null)
      t.equal(session.ip, null)
      await tdb.db.update(deviceTokens).set({ device: 'laptop' }).where(eq(deviceTokens.token, session.id))
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).json().email, 'dev@example.com')
      const [row] = await tdb.db.select().from(deviceTokens)
      t.equal(row.device, 'laptop')
      t.ok(row.lastUsedAt instanceof Date, 'last_used_at is written')
      t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })).statusCode, 204)
      t.same(await tdb.db.select().from(deviceTokens), [])
    })
  })
}
