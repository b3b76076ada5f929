// One app instance in a process of its own, for tests with several instances
// on one database server. Run with `node --import tsx`; the environment says
// which database: INSTANCE_DIALECT ('pg' or 'mysql'), INSTANCE_DATABASE_URL,
// and INSTANCE_OPTIONS (JSON plugin options). Listens on a free port of
// 127.0.0.1 and prints `{"port":N}` on a line of its own; SIGTERM ends it.
import Fastify from 'fastify'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import accessTokens from '../../index.js'

const dialect = process.env.INSTANCE_DIALECT
const url = process.env.INSTANCE_DATABASE_URL
if ((dialect !== 'pg' && dialect !== 'mysql') || url === undefined) {
  throw new Error('INSTANCE_DIALECT must be pg or mysql, and INSTANCE_DATABASE_URL set')
}

const pool = dialect === 'pg' ? new pg.Pool({ connectionString: url }) : mysql.createPool({ uri: url })
const database = dialect === 'pg' ? drizzlePg({ client: pool as pg.Pool }) : drizzleMysql({ client: pool as mysql.Pool })

const app = Fastify()
await app.register(accessTokens, { database, ...JSON.parse(process.env.INSTANCE_OPTIONS ?? '{}') })
app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : null })}\n`)

process.once('SIGTERM', async function stop () {
  await app.close()
  await pool.end()
  process.exit(0)
})
