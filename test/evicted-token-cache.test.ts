// Regression: tokens deleted by maxTokensPerUser stayed in the cache of the
// instance that deleted them, working for up to ttlSeconds while
// GET /auth/sessions no longer listed them. A login (or issue()) that may
// evict now drops the user's cached tokens.
import t from 'tap'
import { eq } from 'drizzle-orm'
import { drivers } from './helpers/databases.js'
import { buildApp, status } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { hashToken } from '../index.js'

for (const driver of drivers) {
  t.test(`${driver}: a token evicted by maxTokensPerUser is refused at once, cached or not`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: 2, cache: { ttlSeconds: 3600, max: 100 } } })
    const { app, login } = built
    const alice = await built.addUser({ email: 'alice@example.com', quickHash: true })
    await built.addUser({ email: 'bob@example.com', quickHash: true })

    const bob = await login('bob@example.com')
    t.equal(await status(app, bob), 200, 'bob\'s token is cached')
    const tokens: string[] = []
    for (let n = 0; n < 2; n++) {
      clock.advance(1000)
      tokens.push(await login('alice@example.com'))
      t.equal(await status(app, tokens[n]), 200, 'cached by its use')
    }
    clock.advance(1000)
    tokens.push(await login('alice@example.com'))
    t.equal(await status(app, tokens[0]), 401, 'the evicted token is gone from the cache too')
    t.equal(await status(app, tokens[1]), 200)
    t.equal(await status(app, tokens[2]), 200)

    clock.advance(1000)
    await app.accessTokens.issue(alice)
    t.equal(await status(app, tokens[1]), 401, 'issue() evicts from the cache the same way')

    // Were bob's entry dropped, the database would now say no.
    const { accessTokens } = built.tdb.schema
    await built.tdb.db.delete(accessTokens).where(eq(accessTokens.token, hashToken(bob)))
    t.equal(await status(app, bob), 200, 'another user\'s cached token stays cached')
  })
}
