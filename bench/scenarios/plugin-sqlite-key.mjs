// 3k. The plugin on SQLite with API keys on, as scenario 3l, but the request
// carries an API key instead of a login token: the key's checksum, then the
// same digest and the same prepared lookup.
import { build as buildPlugin } from './plugin-sqlite.mjs'

export async function build (config) {
  const { app } = await buildPlugin(config, { apiKeys: true })
  // A key of the same user as scenario 3's token, made once at start.
  const { token } = await app.accessTokens.createApiKey(config.userId, { name: 'bench' })
  return { app, authorization: `Bearer ${token}` }
}
