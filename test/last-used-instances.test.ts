// last_used_at is written at most once per interval per token, also when
// several app instances (or many concurrent requests) saw the same old value:
// the write applies only to a row not used within the interval.
import t from 'tap'
import { drivers, openDatabase } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { rowOf } from './helpers/token-rows.js'

for (const driver of drivers) {
  t.test(`${driver}: an instance with a stale cached session keeps another instance's recent write`, async (t) => {
    const clock = controlClock(t)
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    // Instance B trusts its cache for five minutes, longer than the write interval.
    const a = await buildApp(t, { driver, tdb })
    const b = await buildApp(t, { driver, tdb, plugin: { cache: { ttlSeconds: 300, max: 100 } } })
    await a.addUser({ email: 'two@example.com' })
    const token = await a.login('two@example.com')

    const firstUse = clock.advance(1000)
    t.equal((await b.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), firstUse, 'the first use is written')

    const onA = clock.set(firstUse + 60_000)
    t.equal((await a.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), onA, 'a minute later, A writes')

    // B's cached session still says firstUse, so B finds a write due; the
    // row was used within the interval, so nothing is written.
    clock.set(onA + 1000)
    t.equal((await b.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), onA, 'A\'s write stays')

    // A minute after B's own last use, B writes again.
    const later = clock.set(onA + 61_000)
    t.equal((await b.app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    t.equal((await rowOf(tdb, token))?.lastUsedAt?.getTime(), later)
  })
}
