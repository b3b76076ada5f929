// Opening the bench's databases the same way in every process.
import Database from 'better-sqlite3'
import pg from 'pg'

/** better-sqlite3 with WAL, as the better-sqlite3 documentation recommends for servers. */
export function openSqlite (file) {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  return db
}

/** The same pool size for the plugin and the hand-written PostgreSQL reference. */
export function openPgPool (url) {
  return new pg.Pool({ connectionString: url, max: 10 })
}

export const LOOKUP_COLUMNS = 't.token, t.user_id, t.created_at, t.last_used_at, t.user_agent, t.ip, ' +
  'u.id, u.email, u.is_active, u.is_superuser, u.is_verified'

/** postgres.js with the same pool size; it prepares each statement on each connection. */
export async function openPostgresJs (url) {
  const { default: postgres } = await import('postgres')
  return postgres(url, { max: 10, onnotice: () => {} })
}

/** A mysql2 promise pool of the same size. */
export async function openMysqlPool (url) {
  const { default: mysql } = await import('mysql2/promise')
  return mysql.createPool({ uri: url, connectionLimit: 10 })
}

/** libSQL on the same SQLite file (WAL, set by the loader). */
export async function openLibsql (file) {
  const { createClient } = await import('@libsql/client')
  return createClient({ url: `file:${file}` })
}

/** node:sqlite on the same file, where this Node.js has it. */
export async function openNodeSqlite (file) {
  const { DatabaseSync } = await import('node:sqlite')
  return new DatabaseSync(file)
}

/**
 * PGlite, PostgreSQL in this process: migrated, with 1000 users and 1000
 * tokens, one of them the bench's secret. Each PGlite scenario fills its own.
 */
export async function openSeededPglite (token) {
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  const { migrate, hashToken } = await import('../../dist/index.js')
  const client = new PGlite()
  await migrate(drizzle({ client }))
  await client.query("insert into \"user\" (id, email, hashed_password, is_verified) select gen_random_uuid(), 'user' || n || '@example.com', 'no-login-in-the-bench', true from generate_series(1, 1000) as n")
  await client.query(`insert into access_token (token, user_id, created_at)
    select case when n = 1 then $1 else md5(n::text) || md5((n * 7)::text) end, u.id, now()
    from generate_series(1, 1000) as n join (select id, row_number() over () as r from "user") u on u.r = n`, [hashToken(token)])
  await client.query('analyze')
  return client
}
