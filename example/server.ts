// The demo behind `npm start`: a SQLite file under data/, a demo user, and
// the plugin with both transports, on http://127.0.0.1:3000.
//
//   PORT      port to listen on (default 3000; 0 picks a free one)
//   HOST      address to listen on (default 127.0.0.1)
//   DATABASE  SQLite file (default data/demo.db)
//   LOG_LEVEL Fastify's log level (default warn)
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from '../index.js'
import { buildApp } from './app.js'
import { createNotesTable } from './notes.js'
import { ensureDemoUser } from './demo-user.js'

const file = process.env.DATABASE ?? fileURLToPath(new URL('../data/demo.db', import.meta.url))
const host = process.env.HOST ?? '127.0.0.1'
const port = Number(process.env.PORT ?? 3000)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`)
  process.exit(1)
}

mkdirSync(dirname(file), { recursive: true })
const sqlite = new Database(file)
// WAL lets readers run while a write is going on; the busy timeout makes a
// second process wait for the write lock instead of failing at once.
sqlite.pragma('journal_mode = WAL')
sqlite.pragma('busy_timeout = 5000')
sqlite.pragma('foreign_keys = ON')
const db = drizzle({ client: sqlite })

await migrate(db)
createNotesTable(sqlite)
const demo = await ensureDemoUser(db)

const app = await buildApp({ db, logLevel: process.env.LOG_LEVEL ?? 'warn' })
app.addHook('onClose', async function closeDatabase () {
  sqlite.close()
})

await app.listen({ host, port })
const address = app.server.address() as AddressInfo
const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
console.log(`Demo user: ${demo.email} / ${demo.password}${demo.created ? ' (created)' : ''}`)
console.log(`Database: ${file}`)
console.log(`Listening on http://${shownHost}:${address.port}`)

let closing = false
async function shutdown (signal: string): Promise<void> {
  if (closing) return
  closing = true
  console.log(`${signal}: closing`)
  // Should a connection refuse to end, do not hang forever.
  setTimeout(() => process.exit(1), 10_000).unref()
  await app.close()
  console.log('Closed')
}
process.once('SIGINT', () => { shutdown('SIGINT').catch(fail) })
process.once('SIGTERM', () => { shutdown('SIGTERM').catch(fail) })

function fail (error: unknown): void {
  console.error(error)
  process.exit(1)
}
