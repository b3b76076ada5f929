// The public types: a leaf module, importing nothing from the package, so
// every other module can take its types from here.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Table } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import type { LibSQLDatabase } from 'drizzle-orm/libsql'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import type { MySql2Database } from 'drizzle-orm/mysql2'
import type { AnySQLiteTable } from 'drizzle-orm/sqlite-core'
import type { AnyPgTable } from 'drizzle-orm/pg-core'
import type { AnyMySqlTable } from 'drizzle-orm/mysql-core'

/**
 * A Drizzle database class with the widest schema argument its version
 * admits: Drizzle 0.45 constrains the argument to tables
 * (`Record<string, unknown>`), 1.x to relations (`AnyRelations`), and no one
 * type satisfies both. `InstanceType` of a generic class instantiates its
 * parameter with that constraint, on either version, so a database built
 * with any schema of the installed Drizzle is one.
 */
type WithAnySchema<Class extends abstract new (...args: never[]) => unknown> = InstanceType<Class>

/** A Drizzle database on SQLite the plugin can use: better-sqlite3 or libSQL. */
export type SQLiteDrizzleDatabase =
  | WithAnySchema<typeof BetterSQLite3Database>
  | WithAnySchema<typeof LibSQLDatabase>

/** A Drizzle database on PostgreSQL the plugin can use: node-postgres, postgres.js or PGlite. */
export type PgDrizzleDatabase =
  | WithAnySchema<typeof NodePgDatabase>
  | WithAnySchema<typeof PostgresJsDatabase>
  | WithAnySchema<typeof PgliteDatabase>

/** A Drizzle database on MySQL or MariaDB the plugin can use: mysql2. */
export type MySqlDrizzleDatabase = WithAnySchema<typeof MySql2Database>

/**
 * A Drizzle database the plugin can use, as `drizzle({ client })` builds it,
 * by driver: the same names in Drizzle 0.45 and 1.x, with any schema. The
 * driver's own connection is not one, nor is a transaction. (node:sqlite, in
 * Drizzle 1.x only, has no type that 0.45 could name; its database has the
 * shape of libSQL's, and is one of these.)
 */
export type DrizzleDatabase = SQLiteDrizzleDatabase | PgDrizzleDatabase | MySqlDrizzleDatabase

/** A Drizzle table of any dialect; its dialect is checked at registration. */
export type DrizzleTable = Table

// A table as its dialect's table function builds it. The dialect is named:
// a table's columns are typed loosely enough that, without it, a PostgreSQL
// table would pass for a SQLite one.
/** A SQLite table: `sqliteTable(...)`. */
export type SQLiteDrizzleTable = AnySQLiteTable<{ dialect: 'sqlite' }>
/** A PostgreSQL table: `pgTable(...)`. */
export type PgDrizzleTable = AnyPgTable<{ dialect: 'pg' }>
/** A MySQL table: `mysqlTable(...)`. */
export type MySqlDrizzleTable = AnyMySqlTable<{ dialect: 'mysql' }>

/**
 * The database and the tables on it, as options name them: the tables are of
 * the database's own dialect (a PostgreSQL table on a SQLite database does
 * not compile). `users` is false when both authenticate and getUser are given.
 *
 * SQLite comes last: where no member fits, the compiler reports the mistake
 * against the last one, and there, for the embedded default, at the very
 * option that is wrong.
 */
export type DatabaseTables =
  // Without tables, a database whose dialect is not known to the compiler
  // (a DrizzleDatabase passed along by the application) will do.
  | { database: DrizzleDatabase, tokens?: undefined, users?: false }
  | { database: MySqlDrizzleDatabase, tokens?: MySqlDrizzleTable, users?: MySqlDrizzleTable | false }
  | { database: PgDrizzleDatabase, tokens?: PgDrizzleTable, users?: PgDrizzleTable | false }
  | { database: SQLiteDrizzleDatabase, tokens?: SQLiteDrizzleTable, users?: SQLiteDrizzleTable | false }

/** A signed-in session: one token row, as users and applications see it. */
export interface Session {
  /** The stored digest of the token: safe to show, useless to present. */
  id: string
  userId: unknown
  /** `'session'`: a login; `'api-key'`: an API key. */
  kind: 'session' | 'api-key'
  /** The API key's name; null for a login. */
  name: string | null
  /** The API key's scopes; null for a login, which carries every scope. */
  scopes: string[] | null
  createdAt: Date
  /** When the token stops working; null when it never expires. */
  expiresAt: Date | null
  lastUsedAt: Date | null
  userAgent: string | null
  ip: string | null
}

/** What a route asks of its user: `requireUser(options)` and `config: { auth: options }`. */
export interface RequireUserOptions {
  /** Let requests without a valid token through, with `request.user` null. Default false. */
  optional?: boolean
  /** Refuse users whose `isActive` is false. Default true. */
  active?: boolean
  /** Refuse (403) users whose `isVerified` is not true. Default false. */
  verified?: boolean
  /** Refuse (403) users whose `isSuperuser` is not true. Default false. */
  superuser?: boolean
  /** Scopes an API key needs, every one (403 INSUFFICIENT_SCOPE); a login has them all. Default []. */
  scopes?: string[]
  /** false: logins only, an API key gets 403 FORBIDDEN. Default true. */
  apiKeys?: boolean
}

/**
 * A Fastify hook that authenticates the request (onRequest or preHandler).
 * Fastify calls it with `done`; called without (`await app.authenticate(request,
 * reply)` in a hook of your own), it returns a promise. A wrapper must call it
 * with exactly those two arguments: handed Fastify's `done` as well, the
 * hook goes on to the route itself, and the wrapper's promise again.
 */
export interface AuthHook {
  (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
  // Last: ReturnType and Parameters read the last signature.
  (request: FastifyRequest, reply: FastifyReply): Promise<void>
}

/** The user object of the default table: never the password hash. */
export interface DefaultUser {
  id: string
  email: string
  isActive: boolean
  isSuperuser: boolean
  isVerified: boolean
}

/** What the login route received. */
export interface Credentials {
  username: string
  password: string
}

/** The input of createUser(). */
export interface NewUser {
  email: string
  password: string
  isActive?: boolean
  isVerified?: boolean
  isSuperuser?: boolean
}

/** The input of createApiKey() (POST /api-keys): checked by the store, so unknown here. */
export interface ApiKeyRequest {
  name: unknown
  scopes?: unknown
  expiresInSeconds?: unknown
}

/** What a new token records of the request that made it. */
export interface IssueMetadata {
  userAgent?: string | null
  ip?: string | null
}

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
  /**
   * Drops the user's entries from the cache of every instance (see "The
   * cache across instances" in the README); call it after changing or
   * deleting a user behind the plugin's back.
   */
  invalidateUser(userId: unknown): Promise<void>
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
