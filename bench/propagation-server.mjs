// One instance of the propagation measure: `node propagation-server.mjs`
// with PROPAGATION_DIALECT ('sqlite', 'pg' or 'mysql') and
// PROPAGATION_DATABASE (a file or a URL). The plugin with its cache, GET /me,
// and POST /issue/:userId, which issues a token without a password check.
import Fastify from 'fastify'
import accessTokens from '../dist/index.js'

const dialect = process.env.PROPAGATION_DIALECT
const where = process.env.PROPAGATION_DATABASE
let database
let end
if (dialect === 'sqlite') {
  const { default: Database } = await import('better-sqlite3')
  const { drizzle } = await import('drizzle-orm/better-sqlite3')
  const client = new Database(where, { timeout: 5000 })
  client.pragma('journal_mode = WAL')
  database = drizzle({ client })
  end = async () => client.close()
} else if (dialect === 'pg') {
  const { default: pg } = await import('pg')
  const { drizzle } = await import('drizzle-orm/node-postgres')
  const pool = new pg.Pool({ connectionString: where })
  pool.on('error', () => {})
  database = drizzle(pool)
  end = () => pool.end()
} else {
  const { default: mysql } = await import('mysql2/promise')
  const { drizzle } = await import('drizzle-orm/mysql2')
  const pool = mysql.createPool({ uri: where })
  database = drizzle(pool)
  end = () => pool.end()
}
const app = Fastify()
await app.register(accessTokens, { database, cache: true })
app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
app.post('/issue/:userId', async (request) => ({ token: (await app.accessTokens.issue(request.params.userId)).token }))
app.addHook('onClose', () => end())
await app.listen({ host: '127.0.0.1', port: 0 })
process.on('disconnect', async () => {
  await app.close()
  process.exit(0)
})
process.send({ port: app.server.address().port })
