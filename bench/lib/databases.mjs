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
