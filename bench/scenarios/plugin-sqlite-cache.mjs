// 4. The plugin on SQLite with its in-process cache of verified tokens.
import { build as buildPlugin } from './plugin-sqlite.mjs'

export function build (config) {
  return buildPlugin(config, { cache: true })
}
