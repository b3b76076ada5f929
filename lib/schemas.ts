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

// API keys. The body is documented here but checked by the store, without
// Ajv's type coercion: a number for `name`, a string for `scopes` or for
// `expiresInSeconds` is an error, never converted.
export const apiKeyBody = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, description: 'Shown in the list of keys; need not be unique' },
    scopes: { type: 'array', items: { type: 'string' }, maxItems: 100, description: 'What the key may do; [] when left out (400 INVALID_SCOPE: not offered, or not a scope name)' },
    expiresInSeconds: { type: ['integer', 'null'], minimum: 1, description: 'Lifetime of the key; null: never expires; left out: the maximum lifetime, or never (400 INVALID_LIFETIME)' }
  }
} as const

const apiKeyProperties = {
  id: { type: 'string', description: 'Key id: the stored digest of the key, not the key' },
  name: { type: 'string' },
  scopes: { type: 'array', items: { type: 'string' } },
  createdAt: { type: 'string', format: 'date-time' },
  expiresAt: nullableDate,
  lastUsedAt: nullableDate
} as const

export const apiKeyCreated = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt', 'token'],
  properties: {
    ...apiKeyProperties,
    token: { type: 'string', description: 'The API key: shown this once, never again' }
  }
} as const

export const apiKeyList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'name', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt'],
    properties: apiKeyProperties
  }
} as const
