// One app instance with the cache on, in a process of its own, for the tests
// of revocations across instances. Run with `node --import tsx`; the
// environment says which database: INSTANCE_DIALECT ('sqlite', 'pg' or
// 'mysql') and INSTANCE_DATABASE (a file for SQLite, a URL otherwise), and
// INSTANCE_OPTIONS (JSON plugin options). Besides the plugin's routes:
// GET /me, and POST /invalidate/:id, which calls invalidateUser. Prints
// `{"port":N}` once listening; SIGTERM ends it.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import accessTokens from '../../index.js'

const dialect = process.env.INSTANCE_DIALECT
const where = process.env.INSTANCE_DATABASE as string

let database: unknown
let end: () => Promise<void>
if (dialect === 'sqlite') {
  // The README's setup for processes sharing a file.
  const client = new Database(where, { timeout: 5000 })
  client.pragma('journal_mode = WAL')
  client.pragma('foreign_keys = ON')
  database = drizzleSqlite({ client })
  end = async () => { client.close() }
} else if (dialect === 'pg') {
  const pool = new pg.Pool({ connectionString: where })
  pool.on('error', () => {})
  database = drizzlePg({ client: pool })
  end = () => pool.end()
} else {
  const pool = mysql.createPool({ uri: where })
  database = drizzleMysql({ client: pool })
  end = () => pool.end()
}

const app = Fastify()
await app.register(accessTokens, { database: database as never, cache: true, ...JSON.parse(process.env.INSTANCE_OPTIONS ?? '{}') })
app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
app.post('/invalidate/:id', async (request, reply) => {
  await app.accessTokens.invalidateUser((request.params as { id: string }).id)
  return reply.code(204).send()
})
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : null })}\n`)

process.once('SIGTERM', async function stop () {
  await app.close()
  await end()
  process.exit(0)
})
