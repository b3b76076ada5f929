// The public surface of fastify-access-tokens, at a glance.
import './lib/types.js'
import { accessTokensPlugin } from './lib/plugin.js'

export default accessTokensPlugin
export { accessTokensPlugin as accessTokens }
export { hashPassword, verifyPassword } from './lib/password.js'
export { createUser } from './lib/users.js'
export { migrate, MIGRATIONS_TABLE } from './lib/migrate.js'
export { generateToken, hashToken, DEFAULT_API_KEY_PREFIX } from './lib/token.js'
export { redactTokenIdsInLogs } from './lib/log-redaction.js'
export {
  errors,
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
} from './lib/errors.js'
export type { AccessTokensOptions, CookieOptions, RoutesOptions, CacheOptions, ApiKeysOptions, AuthenticateFunction, GetUserFunction, LifecycleCallback } from './lib/options.js'
export type {
  DrizzleDatabase,
  SQLiteDrizzleDatabase,
  PgDrizzleDatabase,
  MySqlDrizzleDatabase,
  DrizzleTable,
  SQLiteDrizzleTable,
  PgDrizzleTable,
  MySqlDrizzleTable,
  DatabaseTables,
  DefaultUser,
  Credentials,
  NewUser,
  RequireUserOptions,
  AuthHook,
  Session,
  IssueMetadata,
  ApiKeyRequest,
  FastifyAccessTokens,
  AccessTokenUser,
  ProvidedUser,
  AccessTokensApi,
  UserDecorator
} from './lib/types.js'
