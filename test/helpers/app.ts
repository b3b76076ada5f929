// Builds an app with the plugin on a fresh test database, closed when the test ends.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import accessTokens, { hashPassword, type AccessTokensOptions } from '../../index.js'
import { openDatabase, type TestDriver, type TestDatabase } from './databases.js'

export interface TestApp {
  app: FastifyInstance
  tdb: TestDatabase
  /** Inserts a user of the default table; returns its id. */
  addUser(user: { email: string, password?: string, isActive?: boolean, isVerified?: boolean, isSuperuser?: boolean }): Promise<string>
  /** Logs in through POST /auth/login and returns the bearer token. */
  login(email: string, password?: string): Promise<string>
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

export async function buildApp (t: Test, options: {
  driver?: TestDriver
  plugin?: Partial<AccessTokensOptions>
  fastify?: FastifyServerOptions
  tdb?: TestDatabase
  routes?: (app: FastifyInstance) => void
} = {}): Promise<TestApp> {
  const tdb = options.tdb ?? await openDatabase(options.driver ?? 'better-sqlite3')
  if (options.tdb === undefined) t.teardown(() => tdb.close())
  const app = Fastify(options.fastify ?? {})
  t.teardown(() => app.close())
  await app.register(accessTokens, { database: tdb.db, ...options.plugin })
  app.get('/me', { onRequest: app.authenticate }, async (request) => request.user)
  options.routes?.(app)
  await app.ready()

  async function addUser (user: Parameters<TestApp['addUser']>[0]): Promise<string> {
    const { users } = tdb.schema
    const id = crypto.randomUUID()
    await tdb.db.insert(users).values({
      id,
      email: user.email.toLowerCase(),
      hashedPassword: await cachedHash(user.password ?? PASSWORD),
      isActive: user.isActive ?? true,
      isVerified: user.isVerified ?? false,
      isSuperuser: user.isSuperuser ?? false
    })
    return id
  }

  async function login (email: string, password = PASSWORD): Promise<string> {
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: email, password } })
    if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
    return response.json().access_token
  }

  return { app, tdb, addUser, login }
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })
