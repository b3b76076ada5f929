// pruneExpired deletes in short batches (short locks, short event-loop turns);
// a backlog of many batches goes entirely, and no live row goes with it.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { drivers } from './helpers/databases.js'
import { buildApp } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { insertTokenRows, tokenRows } from './helpers/token-rows.js'

const HOUR = 3600_000
// Several batches of the store's size, and a partial one at the end.
const EXPIRED = 730
const LIVE = 120

for (const driver of drivers) {
  t.test(`${driver}: a backlog of expired rows many batches long is pruned whole`, async (t) => {
    const clock = controlClock(t)
    const { app, tdb, addUser } = await buildApp(t, { driver, plugin: { lifetimeSeconds: 3600 } })
    const userId = await addUser({ email: 'backlog@example.com' })
    const now = clock.now()
    const rows = Array.from({ length: EXPIRED + LIVE }, (_, i) => ({
      token: randomBytes(32).toString('base64url'),
      userId,
      // Expired and live rows interleaved, as the table holds them over time.
      createdAt: new Date(i % 7 === 0 && i / 7 < LIVE ? now - 1000 : now - HOUR - 1000 - i)
    }))
    const live = new Set(rows.filter((row) => row.createdAt.getTime() > now - HOUR).map((row) => row.token))
    t.equal(live.size, LIVE)
    await insertTokenRows(tdb, rows)
    const issued = await app.accessTokens.issue(userId)

    t.equal(await app.accessTokens.pruneExpired(), EXPIRED)
    const left = (await tokenRows(tdb)).map((row) => row.token)
    t.same(new Set(left), new Set([...live, issued.session.id]), 'every live row stays')
    t.equal(await app.accessTokens.pruneExpired(), 0)
    t.ok(await app.accessTokens.verify(issued.token))
  })
}
