import type { AuthHook, RequireUserOptions } from './hooks.js'
import type { Session } from './session.js'
import type { IssueMetadata } from './store.js'
import type { DefaultUser } from './users.js'

/**
 * Declare your user type once, the way @fastify/jwt does, and with the
 * `decorator` option the name it is found under:
 *
 *   declare module 'fastify-access-tokens' {
 *     interface FastifyAccessTokens { user: MyUser, decorator: 'member' }
 *   }
 */

export interface FastifyAccessTokens {}

/** The name of the request decorator: the declared `decorator`, or `'user'`. */
export type UserDecorator = FastifyAccessTokens extends { decorator: infer Name extends string } ? Name : 'user'

/** The request property that holds the user, under its declared name. */
export type UserDecoration = { [Name in UserDecorator]: AccessTokenUser | null }

/** The type of `request.user`: your declared user, or the default table's. */
export type AccessTokenUser = FastifyAccessTokens extends { user: infer User } ? User : DefaultUser

/**
 * What your own `authenticate` and `getUser` return: your declared user, or,
 * while you have declared none, any object with an `id`.
 */
export type ProvidedUser = FastifyAccessTokens extends { user: infer User } ? User : { id: unknown }

/** `app.accessTokens`: the token store. Every method is async. */
export interface AccessTokensApi {
  issue(userId: unknown, metadata?: IssueMetadata): Promise<{ token: string, session: Session }>
  /** A new API key of `userId` (the apiKeys option must be on); the key is shown here only. */
  createApiKey(userId: unknown, request: { name: string, scopes?: string[], expiresInSeconds?: number | null }): Promise<{ token: string, session: Session }>
  /** The user's live API keys, newest first. */
  listApiKeys(userId: unknown): Promise<Session[]>
  verify(token: string): Promise<{ session: Session, user: AccessTokenUser } | null>
  revoke(token: string): Promise<boolean>
  revokeSession(id: string): Promise<boolean>
  revokeAll(userId: unknown, options?: { except?: string, kind?: 'session' | 'api-key' }): Promise<number>
  list(userId: unknown): Promise<Session[]>
  pruneExpired(): Promise<number>
}

declare module 'fastify' {
  interface FastifyRequest extends UserDecoration {
    accessToken: Session | null
  }
  interface FastifyInstance {
    authenticate: AuthHook
    requireUser(options?: RequireUserOptions): AuthHook
    accessTokens: AccessTokensApi
  }
  interface FastifyContextConfig {
    auth?: boolean | RequireUserOptions
  }
}
