// 9b. Hand-written on postgres.js: the same join, prepared on each connection.
import { openPostgresJs } from '../lib/databases.mjs'
import { handWrittenApp, LOOKUP_SQL } from '../lib/hand.mjs'

export async function build (config) {
  const sql = await openPostgresJs(config.pgUrl)
  const text = LOOKUP_SQL('"user"', '$1')
  const app = handWrittenApp({
    lookup: async (digest) => (await sql.unsafe(text, [digest], { prepare: true }))[0],
    lifetimeSeconds: config.lifetimeSeconds,
    time: (value) => value.getTime(),
    yes: (value) => value === true,
    close: async () => sql.end()
  })
  return { app, authorization: `Bearer ${config.token}` }
}
