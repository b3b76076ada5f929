// 10b. Hand-written on PGlite: the same join through client.query().
import { openSeededPglite } from '../lib/databases.mjs'
import { handWrittenApp, LOOKUP_SQL } from '../lib/hand.mjs'

export async function build (config) {
  const client = await openSeededPglite(config.token)
  const text = LOOKUP_SQL('"user"', '$1')
  const app = handWrittenApp({
    lookup: async (digest) => (await client.query(text, [digest])).rows[0],
    lifetimeSeconds: config.lifetimeSeconds,
    time: (value) => value.getTime(),
    yes: (value) => value === true,
    close: async () => client.close()
  })
  return { app, authorization: `Bearer ${config.token}` }
}
