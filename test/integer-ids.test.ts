// Integer user ids: defineAccessTokenTable(usersIdColumn, { name }) gives the
// token table's user_id the referenced column's SQL type, so an application
// with auto-increment ids needs no hand-written column.
import t from 'tap'
import { customType as sqliteCustom, integer as sqliteInteger, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core'
import { bigint as pgBigint, bigserial, integer as pgInteger, pgTable, serial as pgSerial, smallserial, text as pgText, uuid } from 'drizzle-orm/pg-core'
import { bigint as mysqlBigint, char, int as mysqlInt, mysqlTable, serial as mysqlSerial } from 'drizzle-orm/mysql-core'
import { createUser } from '../index.js'
import * as sqliteSchema from '../lib/schema/sqlite.js'
import * as pgSchema from '../lib/schema/pg.js'
import * as mysqlSchema from '../lib/schema/mysql.js'
import { drivers, openDatabase, FAMILY } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import { ownTables, sqlTypeOf, tableConfig } from './helpers/own-tables.js'

for (const driver of drivers) {
  for (const own of ownTables(FAMILY[driver])) {
    t.test(`${driver} (${own.kind} ids): login, /me, logout and cascade on the user's own table`, async (t) => {
      const tdb = await openDatabase(driver, { migrated: false })
      t.teardown(() => tdb.close())
      await own.create(tdb)
      const { app, login } = await buildApp(t, { driver, tdb, plugin: { users: own.users, tokens: own.tokens } })

      // The id comes from the database; createUser reads the row back.
      const user = await createUser<{ id: number, email: string, isActive: boolean, isVerified: boolean, isSuperuser: boolean }>(tdb.db, { email: 'Int@Example.com', password: PASSWORD }, { users: own.users })
      t.type(user.id, 'number')
      t.same(user, { id: user.id, email: 'int@example.com', isActive: true, isVerified: false, isSuperuser: false })
      const other = await createUser<{ id: number }>(tdb.db, { email: 'other@example.com', password: PASSWORD }, { users: own.users })
      t.equal(other.id, user.id + 1)

      const token = await login('INT@example.com')
      const rows = await tdb.query('select user_id from account_token')
      t.equal(rows.length, 1)
      t.equal(Number(rows[0].user_id), user.id)

      const me = await app.inject({ url: '/me', headers: bearer(token) })
      t.equal(me.statusCode, 200)
      t.strictSame(me.json(), { id: user.id, email: 'int@example.com', isActive: true, isVerified: false, isSuperuser: false })
      const verified = await app.accessTokens.verify(token)
      t.equal(verified?.session.userId, user.id, 'the session carries the id with its own type')

      const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
      t.equal(out.statusCode, 204)
      t.same(await tdb.query('select token from account_token'), [])
      t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)

      // Deleting the user deletes their tokens (on delete cascade), not others'.
      const first = await login('int@example.com')
      const second = await login('int@example.com')
      const kept = await login('other@example.com')
      t.equal((await tdb.query('select token from account_token')).length, 3)
      await tdb.query(`delete from account where id = ${Number(user.id)}`)
      const left = await tdb.query('select user_id from account_token')
      t.same(left.map((row) => Number(row.user_id)), [other.id])
      for (const gone of [first, second]) {
        t.equal((await app.inject({ url: '/me', headers: bearer(gone) })).statusCode, 401)
      }
      t.equal((await app.inject({ url: '/me', headers: bearer(kept) })).statusCode, 200)
    })
  }
}

interface TypeCase { label: string, column: any, expected: string }

// Column types are decided without a database, so every driver is checked.
const typeCases: Record<DialectName, { define: (column: any, options?: { name?: string }) => any, cases: TypeCase[] }> = {
  sqlite: {
    define: sqliteSchema.defineAccessTokenTable,
    cases: [
      { label: 'integer autoincrement', column: sqliteTable('u', { id: sqliteInteger('id').primaryKey({ autoIncrement: true }) }).id, expected: 'integer' },
      { label: 'text', column: sqliteTable('u', { id: sqliteText('id').primaryKey() }).id, expected: 'text' },
      { label: 'default user table', column: sqliteSchema.users.id, expected: 'text' }
    ]
  },
  pg: {
    define: pgSchema.defineAccessTokenTable,
    cases: [
      { label: 'serial', column: pgTable('u', { id: pgSerial('id').primaryKey() }).id, expected: 'integer' },
      { label: 'bigserial', column: pgTable('u', { id: bigserial('id', { mode: 'number' }).primaryKey() }).id, expected: 'bigint' },
      { label: 'smallserial', column: pgTable('u', { id: smallserial('id').primaryKey() }).id, expected: 'smallint' },
      { label: 'integer', column: pgTable('u', { id: pgInteger('id').primaryKey() }).id, expected: 'integer' },
      { label: 'bigint', column: pgTable('u', { id: pgBigint('id', { mode: 'bigint' }).primaryKey() }).id, expected: 'bigint' },
      { label: 'uuid', column: pgTable('u', { id: uuid('id').primaryKey() }).id, expected: 'uuid' },
      { label: 'text', column: pgTable('u', { id: pgText('id').primaryKey() }).id, expected: 'text' },
      { label: 'default user table', column: pgSchema.users.id, expected: 'uuid' }
    ]
  },
  mysql: {
    define: mysqlSchema.defineAccessTokenTable,
    cases: [
      { label: 'serial', column: mysqlTable('u', { id: mysqlSerial('id').primaryKey() }).id, expected: 'bigint unsigned' },
      { label: 'int unsigned', column: mysqlTable('u', { id: mysqlInt('id', { unsigned: true }).autoincrement().primaryKey() }).id, expected: 'int unsigned' },
      { label: 'int', column: mysqlTable('u', { id: mysqlInt('id').primaryKey() }).id, expected: 'int' },
      { label: 'bigint unsigned', column: mysqlTable('u', { id: mysqlBigint('id', { mode: 'number', unsigned: true }).primaryKey() }).id, expected: 'bigint unsigned' },
      { label: 'char(36)', column: mysqlTable('u', { id: char('id', { length: 36 }).primaryKey() }).id, expected: 'char(36)' },
      { label: 'default user table', column: mysqlSchema.users.id, expected: 'char(36)' }
    ]
  }
}

for (const driver of ['sqlite', 'pg', 'mysql'] as const) {
  const { define, cases } = typeCases[driver]
  t.test(`${driver}: user_id has the SQL type of the referenced id`, async (t) => {
    for (const { label, column, expected } of cases) {
      const tokens = define(column)
      t.equal(sqlTypeOf(driver, tokens, 'user_id'), expected, label)
      const config = tableConfig[driver](tokens)
      t.equal(config.foreignKeys.length, 1, `${label}: one foreign key`)
      const [fk] = config.foreignKeys
      t.equal(fk.onDelete, 'cascade', `${label}: on delete cascade`)
      const reference = fk.reference()
      t.equal(reference.columns[0].name, 'user_id')
      t.equal(reference.foreignColumns[0], column, `${label}: references the given column`)
    }
  })

  t.test(`${driver}: the table name defaults to access_token and can be chosen`, async (t) => {
    const column = cases[0].column
    const byDefault = tableConfig[driver](define(column))
    t.equal(byDefault.name, 'access_token')
    const named = tableConfig[driver](define(column, { name: 'account_token' }))
    t.equal(named.name, 'account_token')
    // Index names are global in PostgreSQL and SQLite: they carry the table name.
    t.same(named.indexes.map((index: any) => index.config.name).sort(), ['account_token_created_at_idx', 'account_token_expires_at_idx', 'account_token_user_id_idx'])
    t.same(named.columns.map((c: any) => c.name).sort(), ['created_at', 'expires_at', 'ip', 'kind', 'last_used_at', 'name', 'scopes', 'token', 'user_agent', 'user_id'])
    t.same(named.columns.filter((c: any) => c.notNull).map((c: any) => c.name).sort(), ['created_at', 'token', 'user_id'])
  })
}

t.test('user_id converts values exactly as the referenced column does', async (t) => {
  // Drizzle 0.45 converts in the column's mapFromDriverValue and
  // mapToDriverValue (node-postgres returns bigint as a string: a bigserial in
  // number mode maps it to a number, a bigint in bigint mode to a BigInt);
  // Drizzle 1.x in the driver, by the column's codec. user_id has both.
  const ids = [
    pgTable('u', { id: bigserial('id', { mode: 'number' }).primaryKey() }).id,
    pgTable('u', { id: pgBigint('id', { mode: 'bigint' }).primaryKey() }).id,
    pgTable('u', { id: pgSerial('id').primaryKey() }).id
  ]
  for (const id of ids) {
    const userId: any = pgSchema.defineAccessTokenTable(id).userId
    t.equal(userId.mapFromDriverValue('9007199254740993'), id.mapFromDriverValue('9007199254740993'), `${id.getSQLType()}: from the driver`)
    t.equal(userId.mapToDriverValue(9007199254740993n), id.mapToDriverValue(9007199254740993n), `${id.getSQLType()}: to the driver`)
    t.equal(userId.codec, (id as any).codec, `${id.getSQLType()}: the driver's conversions (Drizzle 1.x)`)
  }
  const mysqlId = mysqlTable('u', { id: mysqlSerial('id').primaryKey() }).id
  const mysqlUserId: any = mysqlSchema.defineAccessTokenTable(mysqlId).userId
  t.equal(mysqlUserId.mapFromDriverValue('42'), mysqlId.mapFromDriverValue('42'))
  t.equal(mysqlUserId.codec, (mysqlId as any).codec)
  // A custom id type keeps its own conversions.
  const hexId = sqliteCustom<{ data: number, driverData: string }>({
    dataType: () => 'text',
    toDriver: (value) => value.toString(16),
    fromDriver: (value) => parseInt(value, 16)
  })
  const sqliteTokens = sqliteSchema.defineAccessTokenTable(sqliteTable('u', { id: hexId('id').primaryKey() }).id)
  t.equal(sqlTypeOf('sqlite', sqliteTokens, 'user_id'), 'text')
  t.equal(sqliteTokens.userId.mapToDriverValue(255), 'ff')
  t.equal(sqliteTokens.userId.mapFromDriverValue('ff'), 255)
})
