// 3l. Scenario 3 with API keys on, on the same app as scenario 3k, and with a
// login token made at start as 3k's key is: 3k / 3l is what a key costs over
// a login, on rows written alike (scenario 3's seeded row lies in the
// database file, a row written by the server in SQLite's write-ahead log).
import { build as buildPlugin } from './plugin-sqlite.mjs'

export async function build (config) {
  const { app } = await buildPlugin(config, { apiKeys: true })
  const { token } = await app.accessTokens.issue(config.userId)
  return { app, authorization: `Bearer ${token}` }
}
