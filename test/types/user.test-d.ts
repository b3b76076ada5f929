// Type tests of the built package with a user type declared once, through
// module augmentation: request.user, app.accessTokens and the options that
// deal in users all take that type. Compiled by `npm run test:types` in a
// program of its own, as the declaration applies to the whole program.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import accessTokens, { type AccessTokenUser, type ProvidedUser, type Session } from 'fastify-access-tokens'
import { assertType, expectType } from './expect.js'

interface Member {
  id: number
  name: string
  isActive: boolean
  roles: string[]
}

declare module 'fastify-access-tokens' {
  interface FastifyAccessTokens {
    user: Member
  }
}

const db = drizzle({ client: new Database(':memory:') })
const app = Fastify()
const ann: Member = { id: 1, name: 'Ann', isActive: true, roles: ['admin'] }

assertType<AccessTokenUser, Member>()
assertType<ProvidedUser, Member>()

app.register(accessTokens, {
  database: db,
  users: false,
  authenticate: async ({ username }) => (username === 'ann' ? ann : null),
  getUser: async (id: number) => (id === 1 ? ann : undefined),
  onLogin: async (user) => { assertType<typeof user, Member>() },
  onLogout: (user, request) => { request.log.info({ roles: user.roles }, 'logout') }
})
app.register(accessTokens, {
  database: db,
  users: false,
  // @ts-expect-error authenticate returns the declared user type
  authenticate: async () => ({ id: '1' }),
  getUser: () => ann
})
app.register(accessTokens, {
  database: db,
  users: false,
  authenticate: () => ann,
  // @ts-expect-error getUser returns the declared user type
  getUser: () => ({ id: 1, name: 'Ann' })
})
app.register(accessTokens, {
  database: db,
  // @ts-expect-error onLogin receives the declared user type
  onLogin: async (user: { email: string }) => { user.email.toLowerCase() }
})

app.get('/me', { onRequest: app.authenticate }, async (request) => {
  assertType<typeof request.user, Member | null>()
  // @ts-expect-error Member has no email
  String(request.user?.email)
  return { name: request.user?.name, roles: request.user?.roles }
})
app.get('/admin', { config: { auth: true } }, async (request) => request.user?.roles.includes('admin'))

expectType<Promise<{ session: Session, user: Member } | null>>()(app.accessTokens.verify('token'))
