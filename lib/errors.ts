import createError from '@fastify/error'

// Every error the plugin answers with, made once with a stable code so
// applications can match on `err.code` or `instanceof errors.X`.

/**
 * An error class whose constructor takes no arguments: its message has no
 * placeholder to fill (without this, @fastify/error types the constructor's
 * arguments as `any`).
 */
function withoutArguments<Code extends string, Status extends number> (code: Code, message: string, statusCode: Status) {
  return createError<Code, Status, []>(code, message, statusCode)
}

export const LOGIN_BAD_CREDENTIALS = withoutArguments('LOGIN_BAD_CREDENTIALS', 'Bad credentials', 400)
export const LOGIN_USER_NOT_VERIFIED = withoutArguments('LOGIN_USER_NOT_VERIFIED', 'The user is not verified', 400)
export const UNAUTHORIZED = withoutArguments('UNAUTHORIZED', 'Authentication required', 401)
export const FORBIDDEN = withoutArguments('FORBIDDEN', 'Forbidden', 403)
export const CSRF_FAILED = withoutArguments('CSRF_FAILED', 'Cross-site request refused', 403)
export const SESSION_NOT_FOUND = withoutArguments('SESSION_NOT_FOUND', 'Session not found', 404)
export const TOKEN_STORE_UNAVAILABLE = withoutArguments('TOKEN_STORE_UNAVAILABLE', 'The token store is unavailable', 503)
export const USER_ALREADY_EXISTS = withoutArguments('USER_ALREADY_EXISTS', 'A user with this email already exists', 409)
export const INVALID_OPTION = createError<'INVALID_OPTION', 500, [option: string, problem: string]>('INVALID_OPTION', 'Invalid option %s: %s', 500)
export const INSUFFICIENT_SCOPE = withoutArguments('INSUFFICIENT_SCOPE', 'The token lacks a scope this route needs', 403)
export const INVALID_SCOPE = withoutArguments('INVALID_SCOPE', 'scopes must be an array of offered scope names', 400)
export const INVALID_LIFETIME = withoutArguments('INVALID_LIFETIME', 'expiresInSeconds must be a positive integer within the maximum lifetime, or null where keys may never expire', 400)
export const INVALID_NAME = withoutArguments('INVALID_NAME', 'name must be a string of 1 to 100 characters', 400)
export const API_KEY_NOT_FOUND = withoutArguments('API_KEY_NOT_FOUND', 'API key not found', 404)
export const API_KEY_LIMIT_REACHED = withoutArguments('API_KEY_LIMIT_REACHED', 'The limit of API keys is reached: revoke one first', 409)

export const errors = {
  LOGIN_BAD_CREDENTIALS,
  LOGIN_USER_NOT_VERIFIED,
  UNAUTHORIZED,
  FORBIDDEN,
  CSRF_FAILED,
  SESSION_NOT_FOUND,
  TOKEN_STORE_UNAVAILABLE,
  USER_ALREADY_EXISTS,
  INVALID_OPTION,
  INSUFFICIENT_SCOPE,
  INVALID_SCOPE,
  INVALID_LIFETIME,
  INVALID_NAME,
  API_KEY_NOT_FOUND,
  API_KEY_LIMIT_REACHED
} as const

// A 43-character base64url run could be a secret or a digest; database
// drivers quote parameters in their messages (MySQL's "Duplicate entry"),
// so anything passed on from a driver is scrubbed first.
const SECRET_LIKE = /[A-Za-z0-9_-]{43,}/g

/** The database error without anything that could be a secret or a digest. */
function scrubbedCause (error: unknown): Error {
  // Drizzle wraps driver errors in a DrizzleQueryError whose message quotes
  // the SQL parameters (user ids, IP addresses...); the driver's own error is
  // its cause. Its name is plain 'Error', so it is known by its query and params.
  let root = error as { cause?: unknown, name?: string, message?: string, code?: unknown, query?: unknown, params?: unknown }
  if (root?.cause !== undefined && (root.name === 'DrizzleQueryError' || (typeof root.query === 'string' && Array.isArray(root.params)))) {
    root = root.cause as typeof root
  }
  const message = String(root?.message ?? root).replace(SECRET_LIKE, '[redacted]')
  const clean = new Error(message)
  clean.name = typeof root?.name === 'string' ? root.name : 'Error'
  if (root?.code !== undefined) (clean as Error & { code?: unknown }).code = root.code
  clean.stack = `${clean.name}: ${message}`
  return clean
}

/** Turns a database failure into the 503 the contract promises. */
export function storeUnavailable (error: unknown): Error {
  const wrapped = new TOKEN_STORE_UNAVAILABLE()
  wrapped.cause = scrubbedCause(error)
  return wrapped
}
