// Regression: with an own user table whose flags have other property names,
// or are plain 0/1 integers, a deactivated user kept access. Login found
// is_active by its SQL name, the request guard read a property literally
// called isActive, and 0 was not `false`. Now the built-in lookup maps the row
// to { id, email, isActive, isVerified, isSuperuser } by SQL column name, and
// login and every request read the flags the same way, failing closed.
import t, { type Test } from 'tap'
import { integer as sqliteInteger, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core'
import { boolean as pgBoolean, integer as pgInteger, pgTable, serial as pgSerial, text as pgText } from 'drizzle-orm/pg-core'
import { boolean as mysqlBoolean, int as mysqlInt, mysqlTable, serial as mysqlSerial, varchar } from 'drizzle-orm/mysql-core'
import { drivers, familyOf, openDatabase, type TestDriver } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { buildApp, bearer, cachedHash, PASSWORD } from './helpers/app.js'
import { DEFINE, sqlTypeOf, tokenTableSql } from './helpers/own-tables.js'
import { readFlag } from '../lib/flags.js'
import { resolveUserTable } from '../lib/tables.js'

type Variant = 'boolean' | 'integer'

/** The `account` table: flags under property names of its own, booleans or plain 0/1 integers. */
function accountTable (dialect: DialectName, variant: Variant): any {
  if (dialect === 'sqlite') {
    const flag = variant === 'boolean' ? (name: string) => sqliteInteger(name, { mode: 'boolean' }) : (name: string) => sqliteInteger(name)
    return sqliteTable('account', {
      id: sqliteInteger('id').primaryKey({ autoIncrement: true }),
      email: sqliteText('email').notNull(),
      hashedPassword: sqliteText('hashed_password').notNull(),
      active: flag('is_active'),
      verified: flag('is_verified'),
      admin: flag('is_superuser')
    })
  }
  if (dialect === 'pg') {
    const flag = variant === 'boolean' ? (name: string) => pgBoolean(name) : (name: string) => pgInteger(name)
    return pgTable('account', {
      id: pgSerial('id').primaryKey(),
      email: pgText('email').notNull(),
      hashedPassword: pgText('hashed_password').notNull(),
      active: flag('is_active'),
      verified: flag('is_verified'),
      admin: flag('is_superuser')
    })
  }
  const flag = variant === 'boolean' ? (name: string) => mysqlBoolean(name) : (name: string) => mysqlInt(name)
  return mysqlTable('account', {
    id: mysqlSerial('id').primaryKey(),
    email: varchar('email', { length: 320 }).notNull(),
    hashedPassword: varchar('hashed_password', { length: 255 }).notNull(),
    active: flag('is_active'),
    verified: flag('is_verified'),
    admin: flag('is_superuser')
  })
}

const ID_SQL = { sqlite: 'id integer primary key autoincrement', pg: 'id serial primary key', mysql: 'id serial primary key' }
const EMAIL_SQL = { sqlite: 'email text not null', pg: 'email text not null', mysql: 'email varchar(320) not null' }
const HASH_SQL = { sqlite: 'hashed_password text not null', pg: 'hashed_password text not null', mysql: 'hashed_password varchar(255) not null' }

/** An app on an own `account` table whose flag columns are `variant`; one user, pat@example.com, with every flag set. */
async function appOnAccountTable (t: Test, driver: TestDriver, variant: Variant) {
  const dialect = familyOf(driver)
  const tdb = await openDatabase(driver, { migrated: false })
  t.teardown(() => tdb.close())
  const users = accountTable(dialect, variant)
  const tokens = DEFINE[dialect](users.id, { name: 'account_token' })
  const flagType = variant === 'boolean' ? (dialect === 'sqlite' ? 'integer' : 'boolean') : (dialect === 'mysql' ? 'int' : 'integer')
  await tdb.query(`create table account (${ID_SQL[dialect]}, ${EMAIL_SQL[dialect]}, ${HASH_SQL[dialect]}, ` +
    `is_active ${flagType}, is_verified ${flagType}, is_superuser ${flagType})`)
  await tdb.query(tokenTableSql(dialect, 'account_token', sqlTypeOf(dialect, tokens, 'user_id')))
  // SQL literals of the flags: PostgreSQL's boolean takes no 0 or 1.
  const yes = dialect === 'pg' && variant === 'boolean' ? 'true' : '1'
  const no = dialect === 'pg' && variant === 'boolean' ? 'false' : '0'
  await tdb.query(`insert into account (email, hashed_password, is_active, is_verified, is_superuser) values ('pat@example.com', '${await cachedHash(PASSWORD)}', ${yes}, ${yes}, ${yes})`)
  const built = await buildApp(t, {
    tdb,
    plugin: { users, tokens },
    routes (app) {
      app.get('/admin', { onRequest: app.requireUser({ verified: true, superuser: true }) }, async () => 'ok')
    }
  })
  const set = (column: string, value: string): Promise<unknown> => tdb.query(`update account set ${column} = ${value}`)
  const login = () => built.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'pat@example.com', password: PASSWORD } })
  return { ...built, set, yes, no, login }
}

for (const driver of drivers) {
  for (const variant of ['boolean', 'integer'] as const) {
    t.test(`${driver}, ${variant} flag columns under own property names: a deactivated user loses access`, async (t) => {
      const { app, set, yes, no, login } = await appOnAccountTable(t, driver, variant)
      const signedIn = await login()
      t.equal(signedIn.statusCode, 200)
      const token = signedIn.json().access_token

      const me = await app.inject({ url: '/me', headers: bearer(token) })
      t.equal(me.statusCode, 200)
      const user = me.json()
      t.same([user.isActive, user.isVerified, user.isSuperuser], [true, true, true], 'the flags under their canonical names, as booleans')
      t.equal(user.email, 'pat@example.com')
      t.notOk('hashedPassword' in user, 'never the password hash')
      t.equal((await app.inject({ url: '/admin', headers: bearer(token) })).statusCode, 200)
      t.equal((await app.inject({ url: '/auth/sessions', headers: bearer(token) })).statusCode, 200)

      await set('is_active', no)
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, 'deactivated: the existing token is refused')
      t.equal((await app.inject({ url: '/auth/sessions', headers: bearer(token) })).statusCode, 401)
      t.equal((await login()).json().code, 'LOGIN_BAD_CREDENTIALS', 'and login refuses')

      await set('is_active', yes)
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'reactivated')
      await set('is_verified', no)
      t.equal((await app.inject({ url: '/admin', headers: bearer(token) })).statusCode, 403, 'unverified: 0 is false')
      await set('is_verified', yes)
      await set('is_superuser', no)
      t.equal((await app.inject({ url: '/admin', headers: bearer(token) })).statusCode, 403, 'no longer superuser: 0 is false')
    })
  }

  t.test(`${driver}: a flag that cannot be read fails closed`, async (t) => {
    const { app, set, login } = await appOnAccountTable(t, driver, 'integer')
    const token = (await login()).json().access_token
    t.equal((await app.inject({ url: '/admin', headers: bearer(token) })).statusCode, 200)

    for (const value of ['2', 'null']) {
      await set('is_verified', value)
      t.equal((await app.inject({ url: '/admin', headers: bearer(token) })).statusCode, 403, `is_verified = ${value}: not verified`)
      await set('is_verified', '1')
      await set('is_superuser', value)
      t.equal((await app.inject({ url: '/admin', headers: bearer(token) })).statusCode, 403, `is_superuser = ${value}: not superuser`)
      await set('is_superuser', '1')
      await set('is_active', value)
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, `is_active = ${value}: inactive`)
      t.equal((await login()).statusCode, 400, `is_active = ${value}: login refused`)
      await set('is_active', '1')
    }
  })
}

t.test('flags as stored: true and 1 are true, false and 0 are false, the rest cannot be read', async (t) => {
  for (const value of [true, 1, 1n]) t.equal(readFlag(value), true, String(value))
  for (const value of [false, 0, 0n]) t.equal(readFlag(value), false, String(value))
  for (const value of [null, undefined, 2, -1, '1', 'true', 'false', 1.5, {}]) t.equal(readFlag(value), null, String(value))
})

t.test('a property named isActive on another column does not shadow the is_active flag', async (t) => {
  const table = sqliteTable('account', {
    id: sqliteInteger('id').primaryKey(),
    email: sqliteText('email').notNull(),
    hashedPassword: sqliteText('hashed_password').notNull(),
    isActive: sqliteInteger('legacy_active'),
    enabled: sqliteInteger('is_active'),
    nickname: sqliteText('nickname')
  })
  const users = resolveUserTable(table)
  t.same(Object.keys(users.selection).sort(), ['email', 'id', 'isActive', 'nickname'], 'the canonical names first; the other column is left out')
  t.equal(users.selection.isActive, table.enabled, 'isActive is the is_active column')
  t.same(users.toUser({ id: 1, email: 'a@example.com', isActive: 0, nickname: 'a' }),
    { id: 1, email: 'a@example.com', isActive: false, isVerified: false, isSuperuser: false, nickname: 'a' })
})

t.test('own authenticate and getUser: 0 is inactive at login and at every request', async (t) => {
  const flags: Record<string, unknown> = { isActive: 1, isVerified: 1 }
  let id = ''
  const built = await buildApp(t, {
    plugin: {
      users: false,
      authenticate: ({ username }) => username === 'pat' ? { id, ...flags } : null,
      getUser: () => ({ id, ...flags }),
      requireVerified: true
    }
  })
  id = await built.addUser({ email: 'pat@example.com', quickHash: true })
  const login = () => built.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'pat', password: 'x' } })
  const token = (await login()).json().access_token
  t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  flags.isVerified = 0
  t.equal((await login()).json().code, 'LOGIN_USER_NOT_VERIFIED', 'isVerified 0 is not verified at login')
  flags.isActive = 0
  t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, 'isActive 0 is inactive at every request')
  t.equal((await login()).json().code, 'LOGIN_BAD_CREDENTIALS', 'and at login')
  flags.isActive = 'no'
  t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, 'a value that cannot be read is inactive')
  delete flags.isActive
  t.equal((await built.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'no isActive at all: active')
})
