// Type tests on Drizzle 1.x, which .ci/run compiles after installing it
// (`tsc -p test/types/tsconfig.drizzle1.json`); index.test-d.ts has 0.45's.
// A database built with the application's relations, on every driver, is a
// database the plugin takes. Each @ts-expect-error line is a mistake the
// types must reject.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import pg from 'pg'
import postgres from 'postgres'
import mysql from 'mysql2/promise'
import { createClient } from '@libsql/client'
import { PGlite } from '@electric-sql/pglite'
import { defineRelations } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import type { NodeSQLiteDatabase } from 'drizzle-orm/node-sqlite'
import accessTokens from 'fastify-access-tokens'
import { accessTokens as sqliteTokens, users as sqliteUsers } from 'fastify-access-tokens/sqlite'
import { accessTokens as pgTokens, users as pgUsers } from 'fastify-access-tokens/pg'
import { accessTokens as mysqlTokens, users as mysqlUsers } from 'fastify-access-tokens/mysql'

const app = Fastify()

const sqlite = defineRelations({ sqliteUsers, sqliteTokens }, (r) => ({
  sqliteTokens: { user: r.one.sqliteUsers({ from: r.sqliteTokens.userId, to: r.sqliteUsers.id }) }
}))
app.register(accessTokens, { database: drizzle({ client: new Database(':memory:'), relations: sqlite }) })
app.register(accessTokens, { database: drizzleLibsql({ client: createClient({ url: ':memory:' }), relations: sqlite }) })

const postgresql = defineRelations({ pgUsers, pgTokens }, (r) => ({
  pgTokens: { user: r.one.pgUsers({ from: r.pgTokens.userId, to: r.pgUsers.id }) }
}))
app.register(accessTokens, { database: drizzlePg({ client: new pg.Pool(), relations: postgresql }) })
app.register(accessTokens, { database: drizzlePostgresJs({ client: postgres(), relations: postgresql }) })
app.register(accessTokens, { database: drizzlePglite({ client: new PGlite(), relations: postgresql }) })

const mysqlRelations = defineRelations({ mysqlUsers, mysqlTokens }, (r) => ({
  mysqlTokens: { user: r.one.mysqlUsers({ from: r.mysqlTokens.userId, to: r.mysqlUsers.id }) }
}))
app.register(accessTokens, { database: drizzleMysql({ client: mysql.createPool({ uri: 'mysql://localhost/app' }), relations: mysqlRelations }) })

// Without relations too.
app.register(accessTokens, { database: drizzle({ client: new Database(':memory:') }) })
// @ts-expect-error a better-sqlite3 connection is not a Drizzle database
app.register(accessTokens, { database: new Database(':memory:') })
// @ts-expect-error a pool is not a Drizzle database
app.register(accessTokens, { database: new pg.Pool() })

// node:sqlite (Drizzle 1.x, Node.js 22.5+): its database is a SQLite one.
// (@types/node 20, the oldest types the package supports, has no node:sqlite:
// the database is declared, not built.)
declare const nodeSqlite: NodeSQLiteDatabase
app.register(accessTokens, { database: nodeSqlite, tokens: sqliteTokens, users: sqliteUsers })
// @ts-expect-error a PostgreSQL token table on node:sqlite
app.register(accessTokens, { database: nodeSqlite, tokens: pgTokens })

// Tables of the database's dialect only.
// @ts-expect-error a PostgreSQL token table on a SQLite database
app.register(accessTokens, { database: drizzle({ client: new Database(':memory:') }), tokens: pgTokens })
// @ts-expect-error a SQLite user table on a PostgreSQL database
app.register(accessTokens, { database: drizzlePostgresJs({ client: postgres() }), users: sqliteUsers })
// @ts-expect-error a PostgreSQL token table on a MySQL database
app.register(accessTokens, { database: drizzleMysql({ client: mysql.createPool({ uri: 'mysql://localhost/app' }) }), tokens: pgTokens })
