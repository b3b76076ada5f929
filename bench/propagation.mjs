// The propagation delay of a revocation between two processes, per dialect:
// a token is cached by B, logged out on A, and B is asked again and again
// until it refuses; the delay counts from the moment A's logout answered.
// `node propagation.mjs [rounds]`; prints JSON. SQLite on a WAL file always;
// PostgreSQL (BENCH_PG_URL, TEST_PG_URL or the local default) and MySQL
// (BENCH_MYSQL_URL, TEST_MYSQL_URL or the local default) when they answer.
import { fork } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { migrate } from '../dist/index.js'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const ROUNDS = Number(process.argv[2] ?? 200)
const PG = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL = process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'

function withDatabase (url, name) {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

/** A fresh migrated database with one user: { where, userId, drop }. */
async function prepare (dialect, dir) {
  const userId = randomUUID()
  const name = `fat_propagation_${randomBytes(4).toString('hex')}`
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3')
    const { drizzle } = await import('drizzle-orm/better-sqlite3')
    const file = join(dir, 'propagation.db')
    const client = new Database(file)
    client.pragma('journal_mode = WAL')
    await migrate(drizzle({ client }))
    client.prepare("insert into user (id, email, hashed_password) values (?, 'p@example.com', 'x')").run(userId)
    client.close()
    return { where: file, userId, drop: async () => {} }
  }
  if (dialect === 'pg') {
    const { default: pg } = await import('pg')
    const { drizzle } = await import('drizzle-orm/node-postgres')
    const admin = new pg.Client({ connectionString: PG })
    await admin.connect()
    await admin.query(`create database ${name}`)
    const url = withDatabase(PG, name)
    const pool = new pg.Pool({ connectionString: url })
    await migrate(drizzle(pool))
    await pool.query("insert into \"user\" (id, email, hashed_password) values ($1, 'p@example.com', 'x')", [userId])
    await pool.end()
    return { where: url, userId, drop: async () => { await admin.query(`drop database if exists ${name} with (force)`); await admin.end() } }
  }
  const { default: mysql } = await import('mysql2/promise')
  const { drizzle } = await import('drizzle-orm/mysql2')
  const admin = await mysql.createConnection(MYSQL)
  await admin.query(`create database ${name}`)
  const url = withDatabase(MYSQL, name)
  const pool = mysql.createPool({ uri: url })
  await migrate(drizzle(pool))
  await pool.query("insert into `user` (id, email, hashed_password) values (?, 'p@example.com', 'x')", [userId])
  await pool.end()
  return { where: url, userId, drop: async () => { await admin.query(`drop database if exists ${name}`); await admin.end() } }
}

function start (dialect, where) {
  return new Promise((resolve, reject) => {
    const child = fork(join(BENCH, 'propagation-server.mjs'), [], { env: { ...process.env, PROPAGATION_DIALECT: dialect, PROPAGATION_DATABASE: where } })
    child.once('message', ({ port }) => resolve({ child, base: `http://127.0.0.1:${port}` }))
    child.once('exit', (code) => reject(new Error(`${dialect} instance exited with ${code}`)))
  })
}

async function call (base, method, path, token) {
  const response = await fetch(`${base}${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : JSON.parse(text) }
}

function percentile (sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

async function measure (dialect, dir) {
  const db = await prepare(dialect, dir)
  const [a, b] = await Promise.all([start(dialect, db.where), start(dialect, db.where)])
  try {
    const delays = []
    for (let round = 0; round < ROUNDS; round++) {
      const { body } = await call(a.base, 'POST', `/issue/${db.userId}`)
      if ((await call(b.base, 'GET', '/me', body.token)).status !== 200) throw new Error('not accepted by B')
      if ((await call(a.base, 'POST', '/auth/logout', body.token)).status !== 204) throw new Error('logout failed')
      const since = performance.now()
      while ((await call(b.base, 'GET', '/me', body.token)).status === 200) {
        if (performance.now() - since > 5000) throw new Error('never refused')
      }
      delays.push(performance.now() - since)
    }
    delays.sort((x, y) => x - y)
    const round1 = (value) => Math.round(value * 10) / 10
    return { dialect, rounds: ROUNDS, p50Ms: round1(percentile(delays, 0.5)), p99Ms: round1(percentile(delays, 0.99)), maxMs: round1(delays[delays.length - 1]) }
  } finally {
    // The instances close before their database is dropped.
    await Promise.all([a, b].map(({ child }) => new Promise((resolve) => { child.once('exit', resolve); child.disconnect() })))
    await db.drop()
  }
}

const dir = mkdtempSync(join(tmpdir(), 'access-tokens-propagation-'))
const results = []
for (const dialect of ['sqlite', 'pg', 'mysql']) {
  try {
    results.push(await measure(dialect, dir))
  } catch (error) {
    results.push({ dialect, skipped: error.message })
  }
}
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify(results))
