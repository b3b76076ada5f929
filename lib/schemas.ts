// JSON schemas of the routes: they validate input, shape output (nothing
// else can leak into a response), and let @fastify/swagger document them.

export const errorResponse = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' }
  }
} as const

export const loginBody = {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    // An email is at most 320 characters; a bound on the password bounds
    // the hashing work one request can ask for.
    username: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 1024 }
  }
} as const

export const tokenResponse = {
  type: 'object',
  required: ['access_token', 'token_type'],
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['bearer'] },
    expires_in: { type: 'integer', description: 'Seconds until the token expires; absent when it never does' }
  }
} as const

const nullableDate = { type: ['string', 'null'], format: 'date-time' } as const
const nullableString = { type: ['string', 'null'] } as const

export const sessionList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'userAgent', 'ip', 'current'],
    properties: {
      id: { type: 'string', description: 'Session id: the stored digest of the token, not the token' },
      createdAt: { type: 'string', format: 'date-time' },
      lastUsedAt: nullableDate,
      expiresAt: nullableDate,
      userAgent: nullableString,
      ip: nullableString,
      current: { type: 'boolean', description: 'Whether this is the session of the request' }
    }
  }
} as const

export const sessionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } }
} as const

export const noContent = { type: 'null', description: 'No content' } as const
