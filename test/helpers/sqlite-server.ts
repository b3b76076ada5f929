// A second process serving the plugin on a shared SQLite file, for tests of
// several processes on one database. Run as
//   node --import tsx sqlite-server.ts <file> [plugin options as JSON]
// It prints {"address": "http://127.0.0.1:port"} once listening, and ends
// when its standard input closes.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import accessTokens from '../../index.js'

const [file, options = '{}'] = process.argv.slice(2)
// The README's setup for processes sharing a file: WAL, so readers never wait
// for the writer, and a busy timeout, so writers queue instead of failing.
const client = new Database(file, { timeout: 5000 })
client.pragma('journal_mode = WAL')
client.pragma('foreign_keys = ON')

const app = Fastify()
await app.register(accessTokens, { database: drizzle({ client }), ...JSON.parse(options) })
app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`${JSON.stringify({ address })}\n`)

process.stdin.resume()
process.stdin.on('end', async () => {
  await app.close()
  client.close()
})
