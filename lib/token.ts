import { hash, randomBytes } from 'node:crypto'

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
  // The one-shot hash: a third of createHash().update().digest()'s time, on
  // the path of every request.
  return hash('sha256', token, 'base64url')
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
/** The value of each base62 character by its char code; -1 for any other ASCII character. */
const BASE62_VALUE = Int8Array.from({ length: 128 }, (_, code) => BASE62.indexOf(String.fromCharCode(code)))

/** A character's base62 value, or -1. */
function base62Value (code: number): number {
  return code < 128 ? BASE62_VALUE[code] : -1
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1
  return c
})

/** CRC-32 (IEEE 802.3, as zlib and GitHub's token checksums compute it) of an ASCII string. */
export function crc32 (text: string): number {
  let crc = -1
  for (let i = 0; i < text.length; i++) crc = crcStep(crc, text.charCodeAt(i))
  return (crc ^ -1) >>> 0
}

/** One character's step of CRC-32; start from -1, end with `(crc ^ -1) >>> 0`. */
function crcStep (crc: number, code: number): number {
  return CRC_TABLE[(crc ^ code) & 0xFF] ^ (crc >>> 8)
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

/**
 * Whether `value` is a key with `prefix` whose checksum matches. On every
 * request that carries a key: one pass over the characters, building no
 * string, so a key costs no more to check than a login token's shape.
 */
export function isApiKey (value: string, prefix: string): boolean {
  const cut = prefix.length + API_KEY_RANDOM_CHARS
  if (value.length !== cut + API_KEY_CHECKSUM_CHARS || !value.startsWith(prefix)) return false
  let crc = -1
  for (let i = 0; i < cut; i++) {
    const code = value.charCodeAt(i)
    if (i >= prefix.length && base62Value(code) === -1) return false
    crc = crcStep(crc, code)
  }
  // The checksum's digits, most significant first, as checksumOf writes them.
  let written = 0
  for (let i = cut; i < value.length; i++) {
    const digit = base62Value(value.charCodeAt(i))
    if (digit === -1) return false
    written = written * 62 + digit
  }
  return written === (crc ^ -1) >>> 0
}
