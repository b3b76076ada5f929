import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mock } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { drivers } from './helpers/databases.js'
import { buildApp } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { insertTokenRows, tokenRows, type StoredToken } from './helpers/token-rows.js'

const SECOND = 1000
// Two users, whose ids are userIds.
const USERS = ['a@example.com', 'b@example.com']

/** `count` rows of the users, created and last used the given times before `now`. */
function rows (userIds: string[], count: number, now: number, ago: { created: number, lastUsed: number | null }): StoredToken[] {
  return Array.from({ length: count }, (_, n) => ({
    token: randomBytes(32).toString('base64url'),
    userId: userIds[n % userIds.length],
    createdAt: new Date(now - ago.created),
    lastUsedAt: ago.lastUsed === null ? null : new Date(now - ago.lastUsed),
    userAgent: null,
    ip: null
  }))
}

const byToken = (a: StoredToken, b: StoredToken): number => a.token < b.token ? -1 : a.token > b.token ? 1 : 0

for (const driver of drivers) {
  t.test(`${driver}: pruneExpired deletes rows expired by lifetime or idle timeout, in batches`, async (t) => {
    const clock = controlClock(t)
    const now = clock.now()
    const { app, tdb, counting, userIds } = await buildApp(t, { driver, plugin: { lifetimeSeconds: 3600, idleTimeoutSeconds: 600 }, counting: true, users: USERS })
    const expired = [
      // Past their lifetime, though some were used a moment ago.
      ...rows(userIds, 700, now, { created: 3600 * SECOND + 1, lastUsed: 10 * SECOND }),
      ...rows(userIds, 600, now, { created: 7200 * SECOND, lastUsed: null }),
      // Idle: last used, or never used since creation, more than 600 s ago.
      ...rows(userIds, 200, now, { created: 1000 * SECOND, lastUsed: 600 * SECOND + 1 }),
      ...rows(userIds, 100, now, { created: 600 * SECOND + 1, lastUsed: null })
    ]
    const live = [
      ...rows(userIds, 40, now, { created: 100 * SECOND, lastUsed: null }),
      // Exactly at each limit a token is still valid, so it stays.
      ...rows(userIds, 5, now, { created: 3600 * SECOND, lastUsed: SECOND }),
      ...rows(userIds, 5, now, { created: 2000 * SECOND, lastUsed: 600 * SECOND }),
      ...rows(userIds, 5, now, { created: 600 * SECOND, lastUsed: null })
    ]
    await insertTokenRows(tdb, [...expired, ...live])

    counting.reset()
    t.equal(await app.accessTokens.pruneExpired(), expired.length, 'returns how many rows it deleted')
    // Where a revocation log is written, each batch is a transaction whose delete runs on the transaction.
    const statements = counting.counts.delete + counting.counts.transaction
    t.ok(statements > 1, `in more than one statement (${statements})`)
    t.same((await tokenRows(tdb)).sort(byToken), live.sort(byToken), 'live rows are untouched')
    t.equal(await app.accessTokens.pruneExpired(), 0, 'nothing left to prune')
  })

  t.test(`${driver}: without an idle timeout only the lifetime counts`, async (t) => {
    const clock = controlClock(t)
    const now = clock.now()
    const { app, tdb, userIds } = await buildApp(t, { driver, plugin: { lifetimeSeconds: 3600 }, counting: true, users: USERS })
    const expired = rows(userIds, 30, now, { created: 3600 * SECOND + 1, lastUsed: SECOND })
    const live = rows(userIds, 30, now, { created: 3500 * SECOND, lastUsed: 3400 * SECOND })
    await insertTokenRows(tdb, [...expired, ...live])
    t.equal(await app.accessTokens.pruneExpired(), 30)
    t.same((await tokenRows(tdb)).sort(byToken), live.sort(byToken))
  })

  t.test(`${driver}: with an idle timeout and no lifetime only idleness counts`, async (t) => {
    const clock = controlClock(t)
    const now = clock.now()
    const { app, tdb, userIds } = await buildApp(t, { driver, plugin: { lifetimeSeconds: null, idleTimeoutSeconds: 600 }, counting: true, users: USERS })
    const expired = rows(userIds, 20, now, { created: 700 * SECOND, lastUsed: null })
    const live = rows(userIds, 20, now, { created: 365 * 86400 * SECOND, lastUsed: 599 * SECOND })
    await insertTokenRows(tdb, [...expired, ...live])
    t.equal(await app.accessTokens.pruneExpired(), 20)
    t.same((await tokenRows(tdb)).sort(byToken), live.sort(byToken))
  })

  t.test(`${driver}: with lifetimeSeconds null and no idle timeout nothing expires`, async (t) => {
    const clock = controlClock(t)
    const now = clock.now()
    const { app, tdb, counting, userIds } = await buildApp(t, { driver, plugin: { lifetimeSeconds: null }, counting: true, users: USERS })
    const old = rows(userIds, 10, now, { created: 3650 * 86400 * SECOND, lastUsed: null })
    await insertTokenRows(tdb, old)
    counting.reset()
    t.equal(await app.accessTokens.pruneExpired(), 0)
    t.equal(counting.counts.select + counting.counts.delete, 0, 'without a query')
    t.equal((await tokenRows(tdb)).length, 10)
  })

  t.test(`${driver}: pruneIntervalSeconds prunes on a timer that app.close() stops`, async (t) => {
    // Only setInterval is faked: the test moves the plugin's timer by hand.
    mock.timers.enable({ apis: ['setInterval'] })
    t.teardown(() => mock.timers.reset())
    const clock = controlClock(t)
    const now = clock.now()
    const { app, tdb, counting, userIds } = await buildApp(t, { driver, plugin: { lifetimeSeconds: 3600, pruneIntervalSeconds: 30 }, counting: true, users: USERS })
    const live = rows(userIds, 1, now, { created: 10 * SECOND, lastUsed: null })
    await insertTokenRows(tdb, [...rows(userIds, 3, now, { created: 3601 * SECOND, lastUsed: null }), ...live])

    counting.reset()
    mock.timers.tick(29 * SECOND)
    t.equal(counting.counts.select, 0, 'not before the interval')
    mock.timers.tick(SECOND)
    t.equal(counting.counts.select, 1, 'the timer started a prune')
    // The prune runs on its own; wait (boundedly) for its delete to land.
    for (let poll = 0; (await tokenRows(tdb)).length > 1; poll++) {
      if (poll === 100) throw new Error('the expired rows were never pruned')
      await sleep(20)
    }
    t.same(await tokenRows(tdb), live)

    // A prune may read more than once (where revocations are published, the
    // deleted rows' owners too): what counts is that the timer starts one.
    await insertTokenRows(tdb, rows(userIds, 2, now, { created: 3601 * SECOND, lastUsed: null }))
    const beforeSecond = counting.counts.select
    mock.timers.tick(30 * SECOND)
    t.ok(counting.counts.select > beforeSecond, 'and again every interval')
    for (let poll = 0; (await tokenRows(tdb)).length > 1; poll++) {
      if (poll === 100) throw new Error('the expired rows were never pruned')
      await sleep(20)
    }

    await app.close()
    await insertTokenRows(tdb, rows(userIds, 2, now, { created: 3601 * SECOND, lastUsed: null }))
    const closed = counting.counts.select
    mock.timers.tick(300 * SECOND)
    t.equal(counting.counts.select, closed, 'no prune after close')
    t.equal((await tokenRows(tdb)).length, 3)
  })
}
