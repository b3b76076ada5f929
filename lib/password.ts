import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, bytes: number, options: ScryptOptions) => Promise<Buffer>

// scrypt at OWASP's minimum cost for N=2^14: r=8, p=5. Each hash holds
// 128 * N * r = 16 MiB at once, so many concurrent logins cannot exhaust
// memory, while p=5 keeps the work per guess at OWASP's level.
const DEFAULT_COST = { ln: 14, r: 8, p: 5 }
const KEY_BYTES = 32
/** The most memory one stored hash may ask a check to use (256 MiB). */
const MAX_MEMORY = 256 * 1024 * 1024
const SALT_BYTES = 16

// Format: $scrypt$ln=14,r=8,p=5$<salt b64>$<key b64>. The parameters travel
// with the hash, so the cost can be raised later without breaking old hashes.
const HASH_FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/

function derive (password: string, salt: Buffer, cost: { ln: number, r: number, p: number }, bytes: number): Promise<Buffer> {
  const N = 2 ** cost.ln
  // scrypt needs 128 * r * (N + p + 2) bytes; allow that and a little more.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 128 * cost.r * (N + cost.p + 2) + 1024 * 1024 }
  return scryptAsync(password.normalize('NFKC'), salt, bytes, options)
}

// With the u flag a surrogate pair is one code point: only unpaired ones match.
const UNPAIRED_SURROGATE = /\p{Surrogate}/u
function isWellFormed (password: string): boolean {
  return !UNPAIRED_SURROGATE.test(password)
}

/**
 * Hashes a password with scrypt and a random salt; the result names its own
 * parameters. The password is NFKC-normalised first (NIST SP 800-63B), so
 * the same password typed on another keyboard or system still matches.
 */
export async function hashPassword (password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new TypeError('password must be a non-empty string')
  }
  // UTF-8 turns every unpaired surrogate into U+FFFD, so passwords that
  // differ only in them would share one hash.
  if (!isWellFormed(password)) throw new TypeError('password must be well-formed Unicode (no unpaired surrogates)')
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, DEFAULT_COST, KEY_BYTES)
  const { ln, r, p } = DEFAULT_COST
  return `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/**
 * Checks a password against a hash from `hashPassword`, in constant time.
 * A malformed hash is simply no match.
 */
export async function verifyPassword (password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash)
  if (typeof password !== 'string' || parsed === null) return false
  const actual = await derive(password, parsed.salt, parsed.cost, parsed.key.length)
  // No password with an unpaired surrogate can be hashed, and UTF-8 would
  // read it as another password (U+FFFD): it matches nothing. The check
  // costs the same work, so its time tells nothing either.
  return timingSafeEqual(actual, parsed.key) && isWellFormed(password)
}

/** Whether `hash` is one `verifyPassword` can check. */
export function isPasswordHash (hash: unknown): boolean {
  return parseHash(hash) !== null
}

function parseHash (hash: unknown): { cost: { ln: number, r: number, p: number }, salt: Buffer, key: Buffer } | null {
  const match = typeof hash === 'string' ? HASH_FORMAT.exec(hash) : null
  if (match === null) return null
  const cost = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) }
  // Refuse parameters that would make one check a denial of service.
  if (cost.ln < 1 || cost.ln > 20 || cost.r < 1 || cost.p < 1 || 128 * cost.r * 2 ** cost.ln > MAX_MEMORY) return null
  const key = Buffer.from(match[5], 'base64')
  if (key.length < 16) return null
  return { cost, salt: Buffer.from(match[4], 'base64'), key }
}

/**
 * A hash of a random password, computed once per process and checked
 * against when an email is unknown: the login then costs the same whether
 * the user exists. The plugin awaits it at registration; built on the first
 * unknown email instead, that first probe would cost two scrypt runs and
 * tell an attacker the email has no account.
 */
let dummyHash: Promise<string> | undefined
export function timingDummyHash (): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  return dummyHash
}
