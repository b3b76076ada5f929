// Creates and fills the bench's databases: the plugin's own migrations, then
// users and token rows inserted in bulk with plain prepared statements.
import { randomBytes, randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres'
import { migrate, generateToken, hashToken } from '../../dist/index.js'

// No user logs in during the bench; the column only has to be filled.
const NO_PASSWORD = 'no-login-in-the-bench'
const CHUNK = 50_000

/**
 * A SQLite database of `users` users and `rows` tokens, `known` of them with
 * secrets returned to the caller, spread evenly through the table. With
 * `expiredShare`, every so many rows were created before the lifetime began.
 */
export async function createSqliteDatabase (file, { rows, users = 1000, known = 1, lifetimeSeconds, expiredShare = 0 }) {
  const db = new Database(file)
  // The loader's connection only: a fast bulk load, without journal or
  // fsync. The file is switched to WAL at the end, as the servers use it.
  db.pragma('journal_mode = OFF')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  await migrate(sqliteDrizzle({ client: db }))

  const userIds = Array.from({ length: users }, () => randomUUID())
  const insertUser = db.prepare('insert into user (id, email, hashed_password, is_active, is_superuser, is_verified) values (?, ?, ?, 1, 0, 1)')
  db.transaction(() => {
    userIds.forEach((id, i) => insertUser.run(id, `user${i}@example.com`, NO_PASSWORD))
  })()

  // The secondary indexes are built once after the load: sorting beats a
  // million random inserts. The primary key's index stays, as it must.
  const indexes = db.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'access_token' and sql is not null").all()
  for (const { name } of indexes) db.prepare(`drop index "${name}"`).run()
  const insertToken = db.prepare('insert into access_token (token, user_id, created_at) values (?, ?, ?)')
  const now = Date.now()
  const lifetimeMs = lifetimeSeconds * 1000
  const step = Math.max(1, Math.floor(rows / known))
  const expiredEvery = expiredShare > 0 ? Math.round(1 / expiredShare) : 0
  const secrets = []
  const tokenUsers = []
  for (let start = 0; start < rows; start += CHUNK) {
    const random = randomBytes(32 * CHUNK)
    db.transaction(() => {
      for (let i = start; i < Math.min(rows, start + CHUNK); i++) {
        const userId = userIds[i % users]
        let digest
        if (i % step === 0 && secrets.length < known) {
          const secret = generateToken()
          secrets.push(secret)
          tokenUsers.push(userId)
          digest = hashToken(secret)
        } else {
          digest = random.toString('base64url', 32 * (i - start), 32 * (i - start + 1))
        }
        const expired = expiredEvery > 0 && i % expiredEvery === expiredEvery - 1 && i % step !== 0
        const createdAt = expired ? now - lifetimeMs - 60_000 - (i % 3_600_000) : now - (i % 600_000)
        insertToken.run(digest, userId, createdAt)
      }
    })()
  }
  for (const { sql } of indexes) db.prepare(sql).run()
  db.pragma('journal_mode = WAL')
  db.close()
  return { secrets, tokenUsers, userIds }
}

/** A fresh PostgreSQL database next to `adminUrl`'s, migrated and filled; `drop()` removes it. */
export async function createPgDatabase (adminUrl, { name, rows, users = 1000, lifetimeSeconds }) {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.query(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const pool = new pg.Pool({ connectionString: url.href, max: 1 })
  try {
    await migrate(pgDrizzle({ client: pool }))
    const userIds = Array.from({ length: users }, () => randomUUID())
    await pool.query(
      'insert into "user" (id, email, hashed_password, is_superuser, is_verified) select id, \'user\' || n || \'@example.com\', $2, false, true from unnest($1::uuid[]) with ordinality as u(id, n)',
      [userIds, NO_PASSWORD])
    const secret = generateToken()
    const digests = [hashToken(secret)]
    const owners = [userIds[0]]
    for (let i = 1; i < rows; i++) {
      digests.push(randomBytes(32).toString('base64url'))
      owners.push(userIds[i % users])
    }
    await pool.query(
      'insert into access_token (token, user_id, created_at) select * from unnest($1::varchar[], $2::uuid[], array_fill(now(), array[$3::int]))',
      [digests, owners, rows])
    await pool.query('analyze')
    return {
      url: url.href,
      secret,
      userId: userIds[0],
      async drop () {
        await admin.query(`drop database if exists ${name} with (force)`)
        await admin.end()
      }
    }
  } finally {
    await pool.end()
  }
}

/** A fresh MySQL/MariaDB database next to `adminUrl`'s, migrated and filled; `drop()` removes it. */
export async function createMysqlDatabase (adminUrl, { name, rows, users = 1000 }) {
  const { default: mysql } = await import('mysql2/promise')
  const { drizzle } = await import('drizzle-orm/mysql2')
  const admin = await mysql.createConnection(adminUrl)
  await admin.query(`drop database if exists ${name}`)
  await admin.query(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const pool = mysql.createPool({ uri: url.href, connectionLimit: 1 })
  const drop = async () => {
    await admin.query(`drop database if exists ${name}`)
    await admin.end()
  }
  try {
    await migrate(drizzle({ client: pool }))
    const userIds = Array.from({ length: users }, () => randomUUID())
    await pool.query('insert into `user` (id, email, hashed_password, is_active, is_superuser, is_verified) values ?',
      [userIds.map((id, i) => [id, `user${i}@example.com`, NO_PASSWORD, true, false, true])])
    const secret = generateToken()
    const now = new Date()
    const tokens = [[hashToken(secret), userIds[0], now]]
    for (let i = 1; i < rows; i++) tokens.push([randomBytes(32).toString('base64url'), userIds[i % users], now])
    await pool.query('insert into access_token (token, user_id, created_at) values ?', [tokens])
    await pool.query('analyze table access_token, `user`')
    return { url: url.href, secret, userId: userIds[0], drop }
  } catch (error) {
    await drop()
    throw error
  } finally {
    await pool.end()
  }
}
