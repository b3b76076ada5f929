// Type tests on Drizzle 0.45, which .ci/run compiles with the locked
// Drizzle (`tsc -p test/types/tsconfig.drizzle045.json`); drizzle1.test-d.ts
// has 1.x's. A database built with the application's schema, on every
// driver, is a database the plugin takes.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import pg from 'pg'
import postgres from 'postgres'
import mysql from 'mysql2/promise'
import { createClient } from '@libsql/client'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import accessTokens from 'fastify-access-tokens'
import { accessTokens as sqliteTokens, users as sqliteUsers } from 'fastify-access-tokens/sqlite'
import { accessTokens as pgTokens, users as pgUsers } from 'fastify-access-tokens/pg'
import { accessTokens as mysqlTokens, users as mysqlUsers } from 'fastify-access-tokens/mysql'

const app = Fastify()

app.register(accessTokens, { database: drizzle({ client: new Database(':memory:'), schema: { sqliteUsers, sqliteTokens } }) })
app.register(accessTokens, { database: drizzleLibsql({ client: createClient({ url: ':memory:' }), schema: { sqliteUsers, sqliteTokens } }) })
app.register(accessTokens, { database: drizzlePg({ client: new pg.Pool(), schema: { pgUsers, pgTokens } }) })
app.register(accessTokens, { database: drizzlePostgresJs({ client: postgres(), schema: { pgUsers, pgTokens } }) })
app.register(accessTokens, { database: drizzlePglite({ client: new PGlite(), schema: { pgUsers, pgTokens } }) })
app.register(accessTokens, { database: drizzleMysql({ client: mysql.createPool({ uri: 'mysql://localhost/app' }), schema: { mysqlUsers, mysqlTokens }, mode: 'default' }) })
