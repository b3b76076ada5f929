// 8d. Hand-written on node:sqlite: the same join as one prepared statement.
import { openNodeSqlite } from '../lib/databases.mjs'
import { handWrittenApp, LOOKUP_SQL } from '../lib/hand.mjs'

export async function build (config) {
  const client = await openNodeSqlite(config.sqliteFile)
  const lookup = client.prepare(LOOKUP_SQL('user', '?'))
  const app = handWrittenApp({
    lookup: (digest) => lookup.get(digest),
    lifetimeSeconds: config.lifetimeSeconds,
    time: Number,
    yes: (value) => Number(value) === 1,
    close: async () => client.close()
  })
  return { app, authorization: `Bearer ${config.token}` }
}
