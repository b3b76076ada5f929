// Counts scrypt runs of this process. Import it before anything that imports
// node:crypto's scrypt (lib/password.ts binds it when loaded).
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'

export const scryptRuns = { count: 0 }
const original = crypto.scrypt
crypto.scrypt = function countedScrypt (...args: unknown[]) {
  scryptRuns.count++
  return (original as (...a: unknown[]) => void).apply(crypto, args)
} as typeof crypto.scrypt
// The named export `scrypt` follows the patched default export.
syncBuiltinESMExports()
