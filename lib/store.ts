import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { and, eq, gte, inArray, isNull, lt, lte, ne, or, sql, desc, type SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type { Dialect } from './dialects/types.js'
import type { TokenTable, UserTable } from './tables.js'
import { generateApiKey, generateToken, hashToken, isApiKey, isTokenShaped } from './token.js'
import { API_KEY, LOGIN, expiryOf, isLive, sessionOf, type Lifetimes, type Session, type TokenRow } from './session.js'
import type { VerifiedCache, Verified } from './cache.js'
import { tokensEvent, type Publisher, type RevocationEvent } from './revocations/index.js'
import { API_KEY_LIMIT_REACHED, INVALID_LIFETIME, INVALID_NAME, INVALID_SCOPE, storeUnavailable } from './errors.js'
import { isScopeToken, MAX_SCOPES, type ResolvedApiKeys } from './scopes.js'
import type { ApiKeyRequest, IssueMetadata } from './types.js'

export type { ApiKeyRequest, IssueMetadata }

/**
 * Rows deleted per statement while pruning: short locks, short event-loop
 * turns. Each row deleted dirties a page of the token index and one of the
 * user index wherever its random keys fall; a batch must stay well within
 * SQLite's default page cache (2 MB), or it spills and one statement blocks
 * for a hundred milliseconds and more.
 */
const PRUNE_BATCH = 100
/** At most one last_used_at write per token per minute (less with a short idle timeout). */
const TOUCH_INTERVAL_MS = 60_000
/** Column sizes of the smallest default table (MySQL's). */
const USER_AGENT_MAX = 512
const IP_MAX = 64

export interface StoreConfig<User> {
  dialect: Dialect
  tokens: TokenTable
  /** The user table, joined into the token lookup; null when `getUser` is given. */
  users: UserTable | null
  getUser: ((userId: never) => Promise<User | null> | User | null) | null
  lifetimeSeconds: number | null
  idleTimeoutSeconds: number | null
  maxTokensPerUser: number | null
  cache: VerifiedCache | null
  /** Where revocations are published for every instance; null: nowhere (plain deletes). */
  publisher: Publisher | null
  /** API keys; null when off. */
  apiKeys: ResolvedApiKeys | null
  log: FastifyBaseLogger
}

/** The longest lifetime a key may be given: 100 years. */
const MAX_KEY_SECONDS = 100 * 365 * 24 * 3600
const NAME_MAX = 100

type Lookup = (values: { digest: string }) => unknown[] | Promise<unknown[]>
/** A row of the token lookup: the token's columns, and its user's when the user table is joined. */
interface LookupRow<User> { token: TokenRow, user?: User }

/** Runs a database call; any failure becomes TOKEN_STORE_UNAVAILABLE. */
async function guarded<T> (work: () => T | Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw storeUnavailable(error)
  }
}

/** Fits a value to its column; NUL goes, as PostgreSQL text cannot hold it. */
function truncate (value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' ? value.replaceAll('\u0000', '').slice(0, max) : null
}

/**
 * The token store: issue, verify, revoke, list and prune tokens. Every query
 * is built here, once; the dialect only runs them.
 */
export class TokenStore<User = unknown> {
  readonly #dialect: Dialect
  readonly #tokens: TokenTable
  readonly #getUser: StoreConfig<User>['getUser']
  readonly #lifetimes: Lifetimes
  readonly #keep: number | null
  readonly #touchIntervalMs: number
  readonly #cache: VerifiedCache | null
  readonly #publisher: Publisher | null
  readonly #log: FastifyBaseLogger
  readonly #apiKeys: ResolvedApiKeys | null
  /** The owner's rows that are logins (everything, in a table without API-key columns). */
  readonly #logins: SQL | undefined
  /** The owner's rows that are API keys; undefined without API-key columns. */
  readonly #keys: SQL | undefined
  /** The prepared lookup of the hot path: token row (and user) by digest. */
  readonly #lookup: Lookup
  readonly #joined: boolean
  /** Turns a joined user row into the user object (flags read by SQL column name). */
  readonly #toUser: ((row: Record<string, unknown>) => Record<string, unknown>) | null

  constructor (config: StoreConfig<User>, statementName: string) {
    this.#dialect = config.dialect
    this.#tokens = config.tokens
    this.#getUser = config.getUser
    this.#lifetimes = {
      lifetimeMs: config.lifetimeSeconds === null ? null : config.lifetimeSeconds * 1000,
      idleTimeoutMs: config.idleTimeoutSeconds === null ? null : config.idleTimeoutSeconds * 1000
    }
    this.#keep = config.maxTokensPerUser
    this.#touchIntervalMs = config.idleTimeoutSeconds === null
      ? TOUCH_INTERVAL_MS
      : Math.min(TOUCH_INTERVAL_MS, config.idleTimeoutSeconds * 500)
    this.#cache = config.cache
    this.#publisher = config.publisher
    this.#log = config.log
    this.#apiKeys = config.apiKeys
    const kind = config.tokens.apiKeys?.kind
    // A NULL kind is a login made before the API-key columns existed.
    this.#logins = kind === undefined ? undefined : or(isNull(kind), ne(kind, API_KEY))
    this.#keys = kind === undefined ? undefined : eq(kind, API_KEY)

    const { db } = config.dialect
    const tokens = config.tokens
    const byDigest = eq(tokens.token, sql.placeholder('digest'))
    // With the user table known, one statement returns the token row and its
    // user; otherwise the token row alone, and getUser finds the user.
    this.#joined = config.getUser === null && config.users !== null
    this.#toUser = this.#joined ? config.users!.toUser : null
    const query = this.#joined
      ? db.select({ token: tokens.selection, user: config.users!.selection })
        .from(tokens.table)
        .innerJoin(config.users!.table, eq(tokens.userId, config.users!.id))
        .where(byDigest)
      : db.select({ token: tokens.selection }).from(tokens.table).where(byDigest)
    this.#lookup = config.dialect.prepare(query, statementName)
  }

  /** Creates a token for `userId`; the secret is returned here and never stored. */
  async issue (userId: unknown, metadata: IssueMetadata = {}): Promise<{ token: string, session: Session }> {
    if (userId === null || userId === undefined) throw new TypeError('issue() needs a user id')
    const token = generateToken()
    const digest = hashToken(token)
    const keys = this.#tokens.keys
    const row: TokenRow = {
      token: digest,
      userId,
      createdAt: new Date(Date.now()),
      lastUsedAt: null,
      userAgent: keys.userAgent === null ? null : truncate(metadata.userAgent, USER_AGENT_MAX),
      ip: keys.ip === null ? null : truncate(metadata.ip, IP_MAX)
    }
    const values: Record<string, unknown> = {
      [keys.token as string]: digest,
      [keys.userId as string]: userId,
      [keys.createdAt as string]: row.createdAt
    }
    if (keys.userAgent !== null) values[keys.userAgent] = row.userAgent
    if (keys.ip !== null) values[keys.ip] = row.ip
    if (keys.kind !== null) values[keys.kind] = LOGIN
    const publisher = this.#publisher
    try {
      await guarded(() => this.#dialect.insertToken({
        table: this.#tokens.table,
        token: this.#tokens.token,
        userId: this.#tokens.userId,
        createdAt: this.#tokens.createdAt,
        values,
        digest,
        ownerId: userId,
        keep: this.#keep,
        // maxTokensPerUser is about logins: API keys neither count nor go.
        counted: this.#logins,
        // Tokens evicted by the limit are revoked like any other, for every
        // instance, in the insert's transaction.
        publish: publisher?.within === undefined ? null : (tx, digests) => publisher.within!(tx, tokensEvent(digests)),
        publishSelected: publisher?.selected === undefined ? null : (tx, evicted) => publisher.selected!(tx, evicted)
      }))
    } finally {
      // maxTokensPerUser: the insert may have deleted the user's oldest
      // tokens. The dialect does not say which, so every cached token of the
      // user goes: an evicted one must not live on here for ttlSeconds.
      // After the insert, so a lookup that read an evicted row meanwhile
      // cannot cache it again.
      if (this.#keep !== null) {
        this.#cache?.deleteUser(userId)
        publisher?.evicted?.(userId)
      }
    }
    return { token, session: sessionOf(row, this.#lifetimes) }
  }

  /**
   * Creates an API key for `userId`; the key is returned here and never
   * stored. Bad input is INVALID_NAME, INVALID_SCOPE or INVALID_LIFETIME;
   * at `maxPerUser` live keys, API_KEY_LIMIT_REACHED (keys are never evicted).
   */
  async createApiKey (userId: unknown, request: ApiKeyRequest): Promise<{ token: string, session: Session }> {
    const options = this.#apiKeys
    if (options === null) throw new TypeError('createApiKey() needs the apiKeys option')
    if (userId === null || userId === undefined) throw new TypeError('createApiKey() needs a user id')
    if (typeof request !== 'object' || request === null) throw new INVALID_NAME()
    const name = checkName(request.name)
    const scopes = checkScopes(request.scopes, options.scopes)
    const lifetime = checkLifetime(request.expiresInSeconds, options.maxLifetimeSeconds)
    const token = generateApiKey(options.prefix)
    const digest = hashToken(token)
    const now = Date.now()
    const createdAt = new Date(now)
    const expiresAt = lifetime === null ? null : new Date(now + lifetime * 1000)
    const columns = this.#tokens.apiKeys!
    const keys = this.#tokens.keys
    const values: Record<string, unknown> = {
      [keys.token as string]: digest,
      [keys.userId as string]: userId,
      [keys.createdAt as string]: createdAt,
      [keys.kind as string]: API_KEY,
      [keys.name as string]: name,
      [keys.scopes as string]: scopes.join(' '),
      [keys.expiresAt as string]: expiresAt
    }
    const inserted = await guarded(() => this.#dialect.insertToken({
      table: this.#tokens.table,
      token: this.#tokens.token,
      userId: this.#tokens.userId,
      createdAt: this.#tokens.createdAt,
      values,
      digest,
      ownerId: userId,
      keep: options.maxPerUser,
      // Live keys count; an expired one waiting to be pruned does not.
      counted: and(this.#keys, or(isNull(columns.expiresAt), gte(columns.expiresAt, createdAt))),
      atLimit: 'refuse'
    }))
    if (!inserted) throw new API_KEY_LIMIT_REACHED()
    const session = sessionOf({ token: digest, userId, createdAt, kind: API_KEY, name, scopes: scopes.join(' '), expiresAt }, this.#lifetimes)
    return { token, session }
  }

  /** The user's live API keys, newest first. */
  async listApiKeys (userId: unknown): Promise<Session[]> {
    if (this.#keys === undefined) return []
    return this.#listWhere(userId, this.#keys)
  }

  /**
   * The session and user of a secret, or null when it is malformed, unknown,
   * expired, or its user is gone. Counts as a use. Does not judge isActive.
   */
  async verify (token: string): Promise<Verified<User> | null> {
    if (!this.isPresentable(token)) return null
    return this.verifyDigest(hashToken(token))
  }

  /** Whether a string can be a login token or, with API keys on, a key with a good checksum. */
  isPresentable (token: unknown): token is string {
    return typeof token === 'string' && (isTokenShaped(token) || (this.#apiKeys !== null && isApiKey(token, this.#apiKeys.prefix)))
  }

  /**
   * `verify` for a digest already computed by the caller: the per-request
   * path. One async function, awaiting only what is pending: better-sqlite3
   * answers at once, and a recent enough last use needs no write.
   */
  async verifyDigest (digest: string): Promise<Verified<User> | null> {
    const now = Date.now()
    let verified = this.#cache?.get(digest, now) as Verified<User> | undefined
    // A cached session that looks expired may have been used on another
    // instance since (idle timeout): only the database can tell.
    if (verified !== undefined && !isLive(verified.session, now)) verified = undefined
    if (verified === undefined) {
      // A revocation that lands while the lookup runs must win over its answer.
      const generation = this.#cache?.generation ?? 0
      let rows: LookupRow<User>[]
      try {
        const found = this.#lookup({ digest }) as LookupRow<User>[] | Promise<LookupRow<User>[]>
        rows = Array.isArray(found) ? found : await found
      } catch (error) {
        throw storeUnavailable(error)
      }
      if (rows.length === 0) return null
      const session = sessionOf(rows[0].token, this.#lifetimes)
      // Expiry first: an expired token costs no call to getUser.
      if (!isLive(session, now)) {
        this.#cache?.delete(digest)
        return null
      }
      const user = this.#joined
        ? this.#toUser!(rows[0].user as Record<string, unknown>) as User
        : await this.#getUser!(session.userId as never)
      if (typeof user !== 'object' || user === null) return null
      verified = { session, user }
      this.#cache?.set(digest, verified, now, generation)
    }
    if (this.#isTouchDue(verified.session, now)) await this.#touch(verified.session, now)
    return verified
  }

  /**
   * The cached answer for a digest when it needs nothing more: live, and used
   * recently enough that no write is due. Synchronous, so a guard that finds
   * it awaits nothing; undefined means ask verifyDigest.
   */
  cachedDigest (digest: string): Verified<User> | undefined {
    if (this.#cache === null) return undefined
    const now = Date.now()
    const verified = this.#cache.get(digest, now) as Verified<User> | undefined
    if (verified === undefined || !isLive(verified.session, now) || this.#isTouchDue(verified.session, now)) return undefined
    return verified
  }

  /**
   * Whether a use must be recorded now. A use is recorded at most once per
   * interval per token: a token in steady use never idles out, and a busy
   * token costs no write per request.
   */
  #isTouchDue (session: Session, now: number): boolean {
    return this.#tokens.lastUsedAt !== null && (session.lastUsedAt === null || now - session.lastUsedAt.getTime() >= this.#touchIntervalMs)
  }

  /** Records a use of the token now. */
  async #touch (session: Session, now: number): Promise<void> {
    const lastUsedAt = new Date(now)
    // Update the session first: concurrent requests of a cached token then
    // see the new time and do not write again.
    session.lastUsedAt = lastUsedAt
    // A key's expiry is its own; a login's may move with the idle timeout.
    if (session.kind === LOGIN) session.expiresAt = expiryOf(session.createdAt, lastUsedAt, this.#lifetimes)
    const column = this.#tokens.lastUsedAt!
    try {
      // Only a row not used within the interval: when many requests (on this
      // instance or others) read the row before the first of them wrote it,
      // the database writes once and the others update nothing, instead of
      // each writing, and waiting for the row lock, in turn.
      await this.#dialect.write(this.#dialect.db.update(this.#tokens.table)
        .set({ [this.#tokens.keys.lastUsedAt as string]: lastUsedAt })
        .where(and(eq(this.#tokens.token, session.id), or(isNull(column), lte(column, new Date(now - this.#touchIntervalMs))))))
    } catch (error) {
      // A lost last-used time is no reason to refuse a valid token.
      this.#log.warn({ err: storeUnavailable(error) }, 'access-tokens: could not record the last use of a token')
    }
  }

  /** Deletes the token of a secret; true when a row was deleted. */
  async revoke (token: string): Promise<boolean> {
    if (!this.isPresentable(token)) return false
    return this.revokeSession(hashToken(token))
  }

  /** Deletes a session by its id (the digest); true when a row was deleted. */
  async revokeSession (id: string): Promise<boolean> {
    return this.#revokeSessionWhere(id, undefined)
  }

  /** Deletes a session only when it belongs to `userId`. */
  async revokeOwnSession (userId: unknown, id: string): Promise<boolean> {
    return this.#revokeSessionWhere(id, and(eq(this.#tokens.userId, userId), this.#logins))
  }

  /** Deletes an API key only when it belongs to `userId`. */
  async revokeOwnApiKey (userId: unknown, id: string): Promise<boolean> {
    return this.#revokeSessionWhere(id, and(eq(this.#tokens.userId, userId), this.#keys))
  }

  async #revokeSessionWhere (id: string, owner: SQL | undefined): Promise<boolean> {
    // Anything that is not a digest names no session: no query for it.
    if (typeof id !== 'string' || !isTokenShaped(id)) return false
    try {
      return await this.#revokeWhere(and(eq(this.#tokens.token, id), owner)!, tokensEvent([id])) > 0
    } finally {
      // After the delete: a lookup that read the row before it cannot cache it again.
      this.#cache?.delete(id)
    }
  }

  /**
   * Deletes every token of a user, or only those of `kind`, except the
   * session `except`; returns how many.
   */
  async revokeAll (userId: unknown, options: { except?: string, kind?: Session['kind'] } = {}): Promise<number> {
    const { except, kind } = options
    if (kind !== undefined && kind !== LOGIN && kind !== API_KEY) throw new TypeError("revokeAll(): kind must be 'session' or 'api-key'")
    // Without API-key columns every row is a login.
    if (kind === API_KEY && this.#keys === undefined) return 0
    const ofKind = kind === undefined ? undefined : kind === LOGIN ? this.#logins : this.#keys
    const ofUser = and(eq(this.#tokens.userId, userId), ofKind)!
    try {
      return await this.#revokeWhere(except === undefined ? ofUser : and(ofUser, ne(this.#tokens.token, except))!, { all: true })
    } finally {
      // The database may match ids the cache would not ('5' and 5, a UUID in
      // capitals): a rare call, so every entry goes.
      this.#cache?.clear()
    }
  }

  /** The user's live login sessions, newest first. */
  async list (userId: unknown): Promise<Session[]> {
    return this.#listWhere(userId, this.#logins)
  }

  async #listWhere (userId: unknown, ofKind: SQL | undefined): Promise<Session[]> {
    const { db } = this.#dialect
    const rows = await guarded(() => this.#dialect.all<TokenRow>(db.select(this.#tokens.selection)
      .from(this.#tokens.table)
      .where(and(eq(this.#tokens.userId, userId), ofKind))
      .orderBy(desc(this.#tokens.createdAt), desc(this.#tokens.token))))
    const now = Date.now()
    return rows.map((row) => sessionOf(row, this.#lifetimes)).filter((session) => isLive(session, now))
  }

  /**
   * Deletes expired tokens in batches of PRUNE_BATCH, yielding to the event
   * loop between them, so a large table never blocks requests or holds a
   * long lock. Returns how many rows were deleted.
   */
  async pruneExpired (): Promise<number> {
    const expired = this.#expiredCondition(Date.now())
    if (expired === undefined) return 0
    const { db } = this.#dialect
    let deleted = 0
    for (;;) {
      const batch = await guarded(() => this.#dialect.all<{ token: string }>(db.select({ token: this.#tokens.token })
        .from(this.#tokens.table).where(expired).limit(PRUNE_BATCH)))
      if (batch.length === 0) break
      // Still expired when deleted: a row used meanwhile (idle timeout) stays.
      const digests = batch.map((row) => row.token)
      deleted += await this.#revokeWhere(and(inArray(this.#tokens.token, digests), expired)!, tokensEvent(digests))
      if (batch.length < PRUNE_BATCH) break
      await yieldToEventLoop()
    }
    return deleted
  }

  #expiredCondition (now: number): SQL | undefined {
    const { lifetimeMs, idleTimeoutMs } = this.#lifetimes
    const t = this.#tokens
    const conditions: SQL[] = []
    if (lifetimeMs !== null) conditions.push(lt(t.createdAt, new Date(now - lifetimeMs)))
    if (idleTimeoutMs !== null && t.lastUsedAt !== null) {
      const idleSince = new Date(now - idleTimeoutMs)
      conditions.push(or(lt(t.lastUsedAt, idleSince), and(isNull(t.lastUsedAt), lt(t.createdAt, idleSince)))!)
    }
    // The lifetimes are those of logins; a key expires at its expires_at.
    // With API keys off, key rows are left as they are (and no query is
    // made when logins never expire).
    const logins = conditions.length === 0 ? undefined : and(this.#logins, or(...conditions))
    const keys = this.#apiKeys === null ? undefined : and(this.#keys, lt(t.apiKeys!.expiresAt, new Date(now)))
    return logins === undefined ? keys : keys === undefined ? logins : or(logins, keys)
  }

  /**
   * Tells every instance's cache that a user changed: their cached entries
   * go (all entries, as only the database knows which ids are the user's).
   */
  async invalidateUser (userId: unknown): Promise<void> {
    if (userId === null || userId === undefined) throw new TypeError('invalidateUser() needs a user id')
    try {
      if (this.#publisher !== null) await guarded(() => this.#publisher!.publish({ all: true }))
    } finally {
      this.#cache?.clear()
    }
  }

  /** Deletes token rows and publishes the revocation in the same transaction. */
  async #revokeWhere (where: SQL, event: RevocationEvent): Promise<number> {
    const { db } = this.#dialect
    if (this.#publisher !== null) return guarded(() => this.#publisher!.revoke(this.#tokens.table, where, event))
    return guarded(() => this.#dialect.write(db.delete(this.#tokens.table).where(where)))
  }
}

function checkName (name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_MAX || name.includes('\u0000')) throw new INVALID_NAME()
  return name
}

/** The key's scopes, each once: RFC 6749 scope tokens, among those offered when the application lists them. */
function checkScopes (scopes: unknown, offered: Set<string> | null): string[] {
  if (scopes === undefined) return []
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES) throw new INVALID_SCOPE()
  for (const scope of scopes) {
    if (!isScopeToken(scope) || (offered !== null && !offered.has(scope))) throw new INVALID_SCOPE()
  }
  return [...new Set(scopes as string[])]
}

/** Seconds until the key expires, or null for never; undefined: the maximum (or never). */
function checkLifetime (seconds: unknown, max: number | null): number | null {
  if (seconds === undefined) return max
  if (seconds === null) {
    if (max !== null) throw new INVALID_LIFETIME()
    return null
  }
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds <= 0 || seconds > (max ?? MAX_KEY_SECONDS)) throw new INVALID_LIFETIME()
  return seconds
}
