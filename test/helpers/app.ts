// Builds an app with the plugin on a fresh test database, closed when the
// test ends, and the few things every test does with one: add users, log in,
// ask GET /me.
import { randomBytes, randomUUID, scryptSync } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import accessTokens, { hashPassword, type AccessTokensOptions, type DrizzleDatabase } from '../../index.js'
import type { SettingsOptions } from '../../lib/options.js'
import type { DrizzleTable } from '../../lib/types.js'
import { countingDatabase, type CountingDatabase } from './counting-database.js'
import { openDatabase, type TestDriver, type TestDatabase } from './databases.js'

/** A user of the default table, as `addUser` inserts it. */
export interface NewUser {
  email: string
  /** Default: PASSWORD. */
  password?: string
  isActive?: boolean
  isVerified?: boolean
  isSuperuser?: boolean
  /**
   * A hash of a tiny scrypt cost (quickHash) rather than the default cost:
   * for tests that log in by the dozen, where the subject is what happens
   * after the password check.
   */
  quickHash?: boolean
}

export interface TestApp {
  app: FastifyInstance
  tdb: TestDatabase
  /** The ids of the users of the `users` option, in its order. */
  userIds: string[]
  /** Inserts a user of the default table; returns its id. */
  addUser(user: NewUser): Promise<string>
  /** Logs in through POST /auth/login and returns the bearer token. */
  login(email: string, password?: string): Promise<string>
}

/**
 * Plugin options as the parametrised suite gives them. Its driver is chosen
 * at run time, so a table it passes is typed as a table of any dialect; the
 * plugin's own check of the dialect, at registration, is tested in
 * options.test.ts.
 */
export type SuiteOptions = Partial<SettingsOptions> & { database?: DrizzleDatabase, tokens?: DrizzleTable, users?: DrizzleTable | false }

export interface BuildOptions {
  driver?: TestDriver
  plugin?: SuiteOptions
  fastify?: FastifyServerOptions
  /** A database of the test's own, which it closes; default: a fresh one, closed at the end. */
  tdb?: TestDatabase
  routes?: (app: FastifyInstance) => void
  /** Emails of active users to add with PASSWORD and a quick hash; their ids are `userIds`. */
  users?: string[]
  /**
   * Runs the plugin on a database that counts the statements it builds
   * (counting-database.ts), with storeTimeoutMs: null so that it builds
   * them on that very database; the counts are `counting`.
   */
  counting?: boolean
}

export const PASSWORD = 'correct horse battery staple'

// scrypt is slow on purpose; one hash per password per process keeps tests quick.
const hashes = new Map<string, Promise<string>>()
export function cachedHash (password: string): Promise<string> {
  let hash = hashes.get(password)
  if (hash === undefined) {
    hash = hashPassword(password)
    hashes.set(password, hash)
  }
  return hash
}

/**
 * A password hash that names a tiny scrypt cost. verifyPassword honours the
 * cost a hash names, so logins still check the password, without the
 * deliberate slowness of the default cost.
 */
export function quickHash (password: string): string {
  const salt = randomBytes(16)
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 16, r: 1, p: 1 })
  return `$scrypt$ln=4,r=1,p=1$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Inserts a user of the default table of `tdb`; returns its id. */
export async function insertUser (tdb: TestDatabase, user: NewUser): Promise<string> {
  const password = user.password ?? PASSWORD
  const id = randomUUID()
  await tdb.db.insert(tdb.schema.users).values({
    id,
    email: user.email.toLowerCase(),
    hashedPassword: user.quickHash === true ? quickHash(password) : await cachedHash(password),
    isActive: user.isActive ?? true,
    isVerified: user.isVerified ?? false,
    isSuperuser: user.isSuperuser ?? false
  })
  return id
}

export async function buildApp (t: Test, options: BuildOptions & { counting: true }): Promise<TestApp & { counting: CountingDatabase }>
export async function buildApp (t: Test, options?: BuildOptions): Promise<TestApp>
export async function buildApp (t: Test, options: BuildOptions = {}): Promise<TestApp & { counting?: CountingDatabase }> {
  const tdb = options.tdb ?? await openDatabase(options.driver ?? 'better-sqlite3')
  if (options.tdb === undefined) t.teardown(() => tdb.close())
  const counting = options.counting === true ? countingDatabase(tdb.db) : undefined
  const app = Fastify(options.fastify ?? {})
  t.teardown(() => app.close())
  await app.register(accessTokens, {
    database: tdb.db,
    ...(counting === undefined ? {} : { database: counting.db, storeTimeoutMs: null }),
    ...options.plugin
  } as AccessTokensOptions)
  app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
  options.routes?.(app)
  await app.ready()

  const addUser = (user: NewUser): Promise<string> => insertUser(tdb, user)

  async function login (email: string, password = PASSWORD): Promise<string> {
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: email, password } })
    if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
    return response.json().access_token
  }

  const userIds: string[] = []
  for (const email of options.users ?? []) userIds.push(await addUser({ email, quickHash: true }))

  return { app, tdb, userIds, addUser, login, ...(counting === undefined ? {} : { counting }) }
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

/** The status code of GET /me with a bearer token. */
export async function status (app: FastifyInstance, token: string): Promise<number> {
  return (await app.inject({ url: '/me', headers: bearer(token) })).statusCode
}

/** Declares GET /session, which answers with request.accessToken, as JSON. */
export function sessionRoute (app: FastifyInstance): void {
  app.get('/session', { onRequest: app.authenticate }, async (request) => request.accessToken)
}
