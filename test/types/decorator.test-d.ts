// Type tests of the built package with the request decorator renamed: the
// name declared once, through module augmentation, is the property that
// holds the user and the only value the `decorator` option takes. Compiled
// by `npm run test:types` in a program of its own.
import Fastify from 'fastify'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import accessTokens, { type AccessTokenUser, type DefaultUser, type UserDecorator } from 'fastify-access-tokens'
import { assertType } from './expect.js'

declare module 'fastify-access-tokens' {
  interface FastifyAccessTokens {
    decorator: 'member'
  }
}

const db = drizzle({ client: new Database(':memory:') })
const app = Fastify()

assertType<UserDecorator, 'member'>()
assertType<AccessTokenUser, DefaultUser>()
app.register(accessTokens, { database: db, decorator: 'member' })
// @ts-expect-error the declared name only
app.register(accessTokens, { database: db, decorator: 'user' })

app.get('/me', { onRequest: app.authenticate }, async (request) => {
  assertType<typeof request.member, DefaultUser | null>()
  // @ts-expect-error the user is not under the default name
  return request.user
})
