// 11b. Hand-written on mysql2: the same join as a server-prepared statement
// (pool.execute prepares it once per connection).
import { openMysqlPool } from '../lib/databases.mjs'
import { handWrittenApp, LOOKUP_SQL } from '../lib/hand.mjs'

export async function build (config) {
  const pool = await openMysqlPool(config.mysqlUrl)
  const text = LOOKUP_SQL('`user`', '?')
  const app = handWrittenApp({
    lookup: async (digest) => (await pool.execute(text, [digest]))[0][0],
    lifetimeSeconds: config.lifetimeSeconds,
    time: (value) => value.getTime(),
    yes: (value) => Number(value) === 1,
    close: async () => pool.end()
  })
  return { app, authorization: `Bearer ${config.token}` }
}
