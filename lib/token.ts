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
