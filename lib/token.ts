import { createHash, randomBytes } from 'node:crypto'

/** 32 bytes from the CSPRNG: 256 bits, far beyond guessing. */
const SECRET_BYTES = 32

/** A secret or a digest as they travel: 43 base64url characters (32 bytes, no padding). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** A fresh secret for the client: 32 random bytes, base64url (43 characters). */
export function generateToken (): string {
  return randomBytes(SECRET_BYTES).toString('base64url')
}

/**
 * The SHA-256 digest of a secret, base64url: what the table stores and is
 * looked up by. A dump of the table therefore holds no usable token, and the
 * lookup is an index probe on the digest, so there is no comparison to time.
 */
export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** Whether a string can be a secret at all; anything else is refused without a query. */
export function isTokenShaped (value: string): boolean {
  return value.length === 43 && TOKEN_SHAPE.test(value)
}

// API keys: `prefix` + 43 base62 characters (256 bits) + a 6-character
// base62 CRC32 of what precedes. The prefix lets secret scanners tell the
// application's keys apart; the checksum lets them, and this plugin, tell a
// key from a random string without asking the database.

/** The prefix of API keys when the application sets none. */
export const DEFAULT_API_KEY_PREFIX = 'fat_'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** 62^43 > 2^256: 43 base62 characters carry at least 256 random bits. */
export const API_KEY_RANDOM_CHARS = 43
/** 62^6 > 2^32: a CRC32 fits in 6 base62 characters. */
export const API_KEY_CHECKSUM_CHARS = 6
const BASE62_RUN = /^[0-9A-Za-z]+$/

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1
  return c
})

/** CRC-32 (IEEE 802.3, as zlib and GitHub's token checksums compute it) of an ASCII string. */
export function crc32 (text: string): number {
  let crc = -1
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xFF] ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

function checksumOf (text: string): string {
  let value = crc32(text)
  let out = ''
  for (let i = 0; i < API_KEY_CHECKSUM_CHARS; i++) {
    out = BASE62[value % 62] + out
    value = Math.floor(value / 62)
  }
  return out
}

/** Uniform base62 characters from the CSPRNG: bytes of 248 and above (62 * 4) are drawn again. */
function randomBase62 (length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]
    }
  }
  return out
}

/** A fresh API key with `prefix`. */
export function generateApiKey (prefix: string): string {
  const body = prefix + randomBase62(API_KEY_RANDOM_CHARS)
  return body + checksumOf(body)
}

/** Whether `value` is a key with `prefix` whose checksum matches. */
export function isApiKey (value: string, prefix: string): boolean {
  if (value.length !== prefix.length + API_KEY_RANDOM_CHARS + API_KEY_CHECKSUM_CHARS || !value.startsWith(prefix)) return false
  const cut = value.length - API_KEY_CHECKSUM_CHARS
  return BASE62_RUN.test(value.slice(prefix.length)) && checksumOf(value.slice(0, cut)) === value.slice(cut)
}
