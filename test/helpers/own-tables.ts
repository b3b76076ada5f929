// An application's own user table with integer ids, and an access-token table
// made for it with defineAccessTokenTable, per dialect. drizzle-kit push is
// not used: each dialect's CREATE TABLE is written out here, and the token
// table's user_id takes the SQL type defineAccessTokenTable generated, so the
// database itself checks that the foreign key's types agree.
import { getTableConfig as sqliteConfig, integer as sqliteInteger, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core'
import { bigserial, boolean as pgBoolean, getTableConfig as pgConfig, pgTable, serial as pgSerial, text as pgText } from 'drizzle-orm/pg-core'
import { boolean as mysqlBoolean, getTableConfig as mysqlConfig, int as mysqlInt, mysqlTable, serial as mysqlSerial, varchar } from 'drizzle-orm/mysql-core'
import * as sqliteSchema from '../../lib/schema/sqlite.js'
import * as pgSchema from '../../lib/schema/pg.js'
import * as mysqlSchema from '../../lib/schema/mysql.js'
import type { TestDatabase } from './databases.js'
import type { DialectName } from '../../lib/dialects/types.js'

export interface OwnTables {
  /** How the ids are made, for test names: 'serial', 'int unsigned'... */
  kind: string
  /** The user table `account`: id, email, hashed_password, is_active. */
  users: any
  /** Its token table, from defineAccessTokenTable(users.id, { name }). */
  tokens: any
  /** The SQL type the token table's user_id must have. */
  expectedUserIdType: string
  /** Creates both tables in the test database. */
  create(tdb: TestDatabase): Promise<void>
}

interface Kind {
  kind: string
  idSql: string
  users: () => any
  expectedUserIdType: string
}

function sqliteUsers (): any {
  return sqliteTable('account', {
    id: sqliteInteger('id').primaryKey({ autoIncrement: true }),
    email: sqliteText('email').notNull().unique(),
    hashedPassword: sqliteText('hashed_password').notNull(),
    isActive: sqliteInteger('is_active', { mode: 'boolean' }).notNull().default(true)
  })
}

function pgUsers (id: () => any): () => any {
  return () => pgTable('account', {
    id: id(),
    email: pgText('email').notNull().unique(),
    hashedPassword: pgText('hashed_password').notNull(),
    isActive: pgBoolean('is_active').notNull().default(true)
  })
}

function mysqlUsers (id: () => any): () => any {
  return () => mysqlTable('account', {
    id: id(),
    email: varchar('email', { length: 320 }).notNull().unique(),
    hashedPassword: varchar('hashed_password', { length: 255 }).notNull(),
    isActive: mysqlBoolean('is_active').notNull().default(true)
  })
}

const KINDS: Record<DialectName, Kind[]> = {
  sqlite: [
    { kind: 'integer autoincrement', idSql: 'id integer primary key autoincrement', users: sqliteUsers, expectedUserIdType: 'integer' }
  ],
  pg: [
    { kind: 'serial', idSql: 'id serial primary key', users: pgUsers(() => pgSerial('id').primaryKey()), expectedUserIdType: 'integer' },
    { kind: 'bigserial', idSql: 'id bigserial primary key', users: pgUsers(() => bigserial('id', { mode: 'number' }).primaryKey()), expectedUserIdType: 'bigint' }
  ],
  mysql: [
    { kind: 'serial', idSql: 'id serial primary key', users: mysqlUsers(() => mysqlSerial('id').primaryKey()), expectedUserIdType: 'bigint unsigned' },
    { kind: 'int unsigned', idSql: 'id int unsigned auto_increment primary key', users: mysqlUsers(() => mysqlInt('id', { unsigned: true }).autoincrement().primaryKey()), expectedUserIdType: 'int unsigned' }
  ]
}

const USER_COLUMNS: Record<DialectName, string> = {
  sqlite: 'email text not null unique, hashed_password text not null, is_active integer not null default 1',
  pg: 'email text not null unique, hashed_password text not null, is_active boolean not null default true',
  mysql: 'email varchar(320) not null unique, hashed_password varchar(255) not null, is_active boolean not null default true'
}

/** CREATE TABLE of a token table whose user_id (of `userIdType`) references account(id). */
export function tokenTableSql (dialect: DialectName, name: string, userIdType: string): string {
  const fk = 'foreign key (user_id) references account(id) on delete cascade'
  if (dialect === 'sqlite') {
    return `create table ${name} (token text primary key, user_id ${userIdType} not null, created_at integer not null, ` +
      `last_used_at integer, user_agent text, ip text, kind text, name text, scopes text, expires_at integer, ${fk})`
  }
  if (dialect === 'pg') {
    return `create table ${name} (token varchar(64) primary key, user_id ${userIdType} not null, created_at timestamptz(3) not null, ` +
      `last_used_at timestamptz(3), user_agent text, ip text, kind varchar(16), name varchar(100), scopes text, expires_at timestamptz(3), ${fk})`
  }
  // InnoDB ignores a REFERENCES written on the column: the key must be a table constraint.
  return `create table ${name} (token varchar(64) primary key, user_id ${userIdType} not null, created_at datetime(3) not null, ` +
    `last_used_at datetime(3), user_agent varchar(512), ip varchar(64), kind varchar(16), name varchar(100), scopes text, expires_at datetime(3), ${fk})`
}

/** The `defineAccessTokenTable` of a dialect. */
export const DEFINE = {
  sqlite: sqliteSchema.defineAccessTokenTable,
  pg: pgSchema.defineAccessTokenTable,
  mysql: mysqlSchema.defineAccessTokenTable
} as Record<DialectName, (column: any, options?: { name?: string }) => any>

/** The `getTableConfig` of a dialect. */
export const tableConfig = { sqlite: sqliteConfig, pg: pgConfig, mysql: mysqlConfig } as Record<DialectName, (table: any) => any>

/** The SQL type of a table's column, by its SQL name. */
export function sqlTypeOf (dialect: DialectName, table: any, column: string): string {
  return tableConfig[dialect](table).columns.find((c: { name: string }) => c.name === column).getSQLType()
}

/** Every integer-id variant of `dialect`, with a token table called `tokenTableName`. */
export function ownTables (dialect: DialectName, tokenTableName = 'account_token'): OwnTables[] {
  return KINDS[dialect].map((kind) => {
    const users = kind.users()
    const tokens = DEFINE[dialect](users.id, { name: tokenTableName })
    return {
      kind: kind.kind,
      users,
      tokens,
      expectedUserIdType: kind.expectedUserIdType,
      async create (tdb) {
        await tdb.query(`create table account (${kind.idSql}, ${USER_COLUMNS[dialect]})`)
        await tdb.query(tokenTableSql(dialect, tokenTableName, sqlTypeOf(dialect, tokens, 'user_id')))
      }
    }
  })
}
