// The error classes: one per code of the contract, usable with instanceof,
// and the 503's cause scrubbed of anything that could be a secret.
import t from 'tap'
import * as api from '../index.js'
import { errors, generateToken, hashToken } from '../index.js'
import { storeUnavailable } from '../lib/errors.js'

const CODES: Record<string, number> = {
  LOGIN_BAD_CREDENTIALS: 400,
  LOGIN_USER_NOT_VERIFIED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  SESSION_NOT_FOUND: 404,
  TOKEN_STORE_UNAVAILABLE: 503,
  USER_ALREADY_EXISTS: 409,
  INVALID_OPTION: 500,
  INSUFFICIENT_SCOPE: 403,
  INVALID_SCOPE: 400,
  INVALID_LIFETIME: 400,
  INVALID_NAME: 400,
  API_KEY_NOT_FOUND: 404,
  API_KEY_LIMIT_REACHED: 409
}

t.test('every code has a class with its status', async (t) => {
  t.same(Object.keys(errors).sort(), Object.keys(CODES).sort())
  for (const [code, statusCode] of Object.entries(CODES)) {
    const ErrorClass = errors[code as keyof typeof errors]
    const error = new ErrorClass('a', 'b')
    t.equal(error.code, code, `${code}: code`)
    t.equal(error.statusCode, statusCode, `${code}: status`)
    t.ok(error instanceof ErrorClass, `${code}: instanceof its class`)
    t.ok(error instanceof Error, `${code}: an Error`)
    t.equal(typeof error.message, 'string')
    t.equal((api as Record<string, unknown>)[code], ErrorClass, `${code}: also a named export`)
    for (const [other] of Object.entries(CODES)) {
      if (other !== code) t.notOk(error instanceof errors[other as keyof typeof errors], `${code} is not ${other}`)
    }
  }
})

t.test('INVALID_OPTION names the option', async (t) => {
  const error = new errors.INVALID_OPTION('lifetimeSeconds', 'must be a positive integer or null')
  t.equal(error.message, 'Invalid option lifetimeSeconds: must be a positive integer or null')
})

t.test('storeUnavailable scrubs secret-like strings from the cause', async (t) => {
  const token = generateToken()
  const digest = hashToken(token)
  const driver = Object.assign(new Error(`duplicate key value (token)=(${digest}) and ${token}`), { code: '23505', name: 'DatabaseError' })
  const wrapped = storeUnavailable(driver)
  t.ok(wrapped instanceof errors.TOKEN_STORE_UNAVAILABLE)
  t.equal((wrapped as Error & { statusCode: number }).statusCode, 503)
  const cause = wrapped.cause as Error & { code?: string }
  t.equal(cause.message, 'duplicate key value (token)=([redacted]) and [redacted]')
  t.equal(cause.name, 'DatabaseError')
  t.equal(cause.code, '23505', 'the driver code is kept, to tell failures apart')
  t.equal(cause.stack, `DatabaseError: ${cause.message}`, 'no stack of the driver, which could quote values')
  t.not(cause, driver, 'a copy, not the original')
  // Shorter base64url runs (ids, words) stay readable.
  t.equal((storeUnavailable(new Error('relation "access_token" does not exist')).cause as Error).message, 'relation "access_token" does not exist')
})

t.test("storeUnavailable reaches under Drizzle's query wrapper", async (t) => {
  const digest = hashToken(generateToken())
  // Drizzle's DrizzleQueryError: plain name 'Error', quotes query and params.
  const { DrizzleQueryError } = await import('drizzle-orm/errors')
  const driver = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
  const wrapper = new DrizzleQueryError('select * from "access_token" where "token" = $1', [digest, '203.0.113.5'], driver)
  const cause = storeUnavailable(wrapper).cause as Error & { code?: string }
  t.equal(cause.message, 'connect ECONNREFUSED 127.0.0.1:5432')
  t.equal(cause.code, 'ECONNREFUSED')
  t.notMatch(cause.message, /203\.0\.113\.5|Failed query/, 'no query parameters')
  // An error named DrizzleQueryError is unwrapped as well.
  const named = Object.assign(new Error(`Failed query: params: ${digest}`), { name: 'DrizzleQueryError', cause: driver })
  t.equal((storeUnavailable(named).cause as Error).message, 'connect ECONNREFUSED 127.0.0.1:5432')
})

t.test('storeUnavailable takes anything thrown', async (t) => {
  const digest = hashToken(generateToken())
  const fromString = storeUnavailable(`failed for ${digest}`).cause as Error
  t.equal(fromString.message, 'failed for [redacted]')
  t.equal(fromString.name, 'Error')
  t.equal((storeUnavailable(undefined).cause as Error).message, 'undefined')
  t.equal((storeUnavailable(null).cause as Error).message, 'null')
  const noName = storeUnavailable({ message: 'odd', name: 5 }).cause as Error
  t.equal(noName.name, 'Error')
  t.equal(noName.message, 'odd')
  // A wrapper-shaped error without a cause is taken as it is.
  const bare = storeUnavailable(Object.assign(new Error('Failed query: x'), { query: 'x', params: [] })).cause as Error
  t.equal(bare.message, 'Failed query: x')
})
