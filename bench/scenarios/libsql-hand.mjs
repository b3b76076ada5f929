// 8b. Hand-written on libSQL: the same join through client.execute().
import { openLibsql } from '../lib/databases.mjs'
import { handWrittenApp, LOOKUP_SQL } from '../lib/hand.mjs'

export async function build (config) {
  const client = await openLibsql(config.sqliteFile)
  const sql = LOOKUP_SQL('user', '?')
  const app = handWrittenApp({
    lookup: async (digest) => (await client.execute({ sql, args: [digest] })).rows[0],
    lifetimeSeconds: config.lifetimeSeconds,
    time: Number,
    yes: (value) => Number(value) === 1,
    close: async () => client.close()
  })
  return { app, authorization: `Bearer ${config.token}` }
}
