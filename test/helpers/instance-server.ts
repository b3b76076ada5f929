// One app instance in a process of its own, as a deployment of several
// instances on one database runs them (test/helpers/instances.ts starts it).
// Run with `node --import tsx`; the environment says which database:
// INSTANCE_DIALECT ('sqlite', 'pg' or 'mysql') and INSTANCE_DATABASE (a file
// for SQLite, a URL otherwise), and INSTANCE_OPTIONS (JSON plugin options).
// Besides the plugin's routes: GET /me, and POST /invalidate/:id, which calls
// invalidateUser. Prints `{"port":N}` once listening; SIGTERM ends it, and
// so does the end of its standard input, which the test process holds: it
// does not outlive a test runner that died.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import accessTokens, { type DrizzleDatabase } from '../../index.js'

const dialect = process.env.INSTANCE_DIALECT
const where = process.env.INSTANCE_DATABASE
if ((dialect !== 'sqlite' && dialect !== 'pg' && dialect !== 'mysql') || where === undefined) {
  throw new Error('INSTANCE_DIALECT must be sqlite, pg or mysql, and INSTANCE_DATABASE set')
}

let database: DrizzleDatabase
let end: () => Promise<void>
if (dialect === 'sqlite') {
  // The README's setup for processes sharing a file: WAL, so readers never
  // wait for the writer, and a busy timeout, so writers queue instead of failing.
  const client = new Database(where, { timeout: 5000 })
  client.pragma('journal_mode = WAL')
  client.pragma('foreign_keys = ON')
  database = drizzleSqlite({ client })
  end = async () => { client.close() }
} else if (dialect === 'pg') {
  const pool = new pg.Pool({ connectionString: where })
  // A connection the server ended while idle (a test's outage) is not this process's end.
  pool.on('error', () => {})
  database = drizzlePg({ client: pool })
  end = () => pool.end()
} else {
  const pool = mysql.createPool({ uri: where })
  database = drizzleMysql({ client: pool })
  end = () => pool.end()
}

const app = Fastify()
await app.register(accessTokens, { database, ...JSON.parse(process.env.INSTANCE_OPTIONS ?? '{}') })
app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
app.post('/invalidate/:id', async (request, reply) => {
  await app.accessTokens.invalidateUser((request.params as { id: string }).id)
  return reply.code(204).send()
})
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : null })}\n`)

let stopping: Promise<void> | null = null
async function stop (): Promise<void> {
  stopping ??= (async () => {
    await app.close()
    await end()
    process.exit(0)
  })()
  await stopping
}
process.once('SIGTERM', stop)
process.stdin.once('end', stop).resume()
