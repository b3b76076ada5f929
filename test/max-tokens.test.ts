import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import { drivers, FAMILY } from './helpers/databases.js'
import { buildApp, status, type TestApp } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { secondPool } from './helpers/second-pool.js'
import { tokenRows } from './helpers/token-rows.js'
import { hashToken } from '../index.js'

async function storedDigests (built: TestApp, userId: string): Promise<string[]> {
  return (await tokenRows(built.tdb)).filter((row) => row.userId === userId).map((row) => row.token).sort()
}

for (const driver of drivers) {
  t.test(`${driver}: a login beyond the limit deletes the oldest tokens`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: 3 } })
    const { app, login } = built
    const id = await built.addUser({ email: 'a@example.com', quickHash: true })
    const tokens: string[] = []
    for (let n = 1; n <= 5; n++) {
      clock.advance(1000)
      tokens.push(await login('a@example.com'))
      const kept = tokens.slice(-3)
      t.same(await storedDigests(built, id), kept.map(hashToken).sort(), `after login ${n}`)
    }
    for (const token of tokens.slice(0, 2)) t.equal(await status(app, token), 401, 'the oldest are gone')
    for (const token of tokens.slice(2)) t.equal(await status(app, token), 200, 'the newest work')
  })

  t.test(`${driver}: the new token always survives, even when creation times tie`, async (t) => {
    // The clock stands still: every token has the same created_at.
    controlClock(t)
    for (const limit of [1, 2]) {
      await t.test(`maxTokensPerUser ${limit}`, async (t) => {
        const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: limit } })
        const id = await built.addUser({ email: 'a@example.com', quickHash: true })
        for (let n = 1; n <= 4; n++) {
          const token = await built.login('a@example.com')
          t.equal(await status(built.app, token), 200, `login ${n} works`)
          const digests = await storedDigests(built, id)
          t.ok(digests.includes(hashToken(token)), `login ${n} kept its own token`)
          t.equal(digests.length, Math.min(n, limit))
        }
      })
    }
  })

  t.test(`${driver}: the limit is per user, and issue() keeps it too`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: 2 } })
    const alice = await built.addUser({ email: 'alice@example.com', quickHash: true })
    const bob = await built.addUser({ email: 'bob@example.com', quickHash: true })
    const bobs = [await built.login('bob@example.com'), await built.login('bob@example.com')]
    const issued = []
    for (let n = 0; n < 4; n++) {
      clock.advance(1000)
      issued.push(await built.app.accessTokens.issue(alice))
    }
    t.same(await storedDigests(built, alice), issued.slice(-2).map((one) => one.session.id).sort())
    t.same(await storedDigests(built, bob), bobs.map(hashToken).sort(), 'another user keeps all of theirs')
    t.same((await built.app.accessTokens.list(alice)).map((session) => session.id), issued.slice(-2).reverse().map((one) => one.session.id))
  })

  t.test(`${driver}: issuing for a user that does not exist fails, with or without a limit`, async (t) => {
    for (const maxTokensPerUser of [null, 2]) {
      const built = await buildApp(t, { driver, plugin: { maxTokensPerUser } })
      await t.rejects(built.app.accessTokens.issue(randomUUID()), { code: 'TOKEN_STORE_UNAVAILABLE', statusCode: 503 })
      t.same(await tokenRows(built.tdb), [])
    }
  })

  t.test(`${driver}: without a limit nothing is deleted`, async (t) => {
    const built = await buildApp(t, { driver })
    const id = await built.addUser({ email: 'a@example.com', quickHash: true })
    for (let n = 0; n < 6; n++) await built.app.accessTokens.issue(id)
    t.equal((await storedDigests(built, id)).length, 6)
  })

  t.test(`${driver}: concurrent logins never leave more than the limit`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: 3 } })
    const id = await built.addUser({ email: 'a@example.com', quickHash: true })
    const issued: string[] = []
    for (let round = 1; round <= 3; round++) {
      const tokens = await Promise.all(Array.from({ length: 10 }, () => built.login('a@example.com')))
      issued.push(...tokens)
      const digests = await storedDigests(built, id)
      t.equal(digests.length, 3, `round ${round}: exactly the limit is left`)
      const left = issued.filter((token) => digests.includes(hashToken(token)))
      t.equal(left.length, 3, `round ${round}: every row left is a token that was issued`)
      for (const token of left) t.equal(await status(built.app, token), 200, 'and it works')
    }
    const digests = await storedDigests(built, id)
    const gone = issued.filter((token) => !digests.includes(hashToken(token)))
    t.equal(gone.length, 27)
    for (const token of gone.slice(0, 5)) t.equal(await status(built.app, token), 401)
  })

  t.test(`${driver}: concurrent issues keep the newest, never a token that should have stayed`, async (t) => {
    const clock = controlClock(t)
    const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: 5 } })
    const id = await built.addUser({ email: 'a@example.com', quickHash: true })
    for (let round = 1; round <= 3; round++) {
      // issue() reads the clock before its first await: every token gets a
      // creation time of its own, and all inserts run at once.
      const pending = []
      for (let n = 0; n < 20; n++) {
        clock.advance(1)
        pending.push(built.app.accessTokens.issue(id))
      }
      const issued = await Promise.all(pending)
      const digests = await storedDigests(built, id)
      t.equal(digests.length, 5, `round ${round}: exactly the limit is left`)
      // Whichever insert commits last keeps itself and the four newest
      // others: the four newest tokens are always among those left.
      const newest = issued.slice(-4).map((one) => one.session.id)
      for (const digest of newest) t.ok(digests.includes(digest), `round ${round}: a newest token was kept`)
      const left = issued.filter((one) => digests.includes(one.session.id))
      t.equal(left.length, 5)
      for (const one of left) t.equal(await status(built.app, one.token), 200)
    }
  })
}

// Two pools need a server: PGlite, like SQLite, is one process's database.
for (const driver of drivers.filter((name) => FAMILY[name] !== 'sqlite' && name !== 'pglite')) {
  t.test(`${driver}: logins through two connection pools at once keep the limit`, async (t) => {
    const first = await buildApp(t, { driver, plugin: { maxTokensPerUser: 4 } })
    const second = await buildApp(t, { driver, tdb: first.tdb, plugin: { database: secondPool(t, first.tdb), maxTokensPerUser: 4 } })
    const id = await first.addUser({ email: 'a@example.com', quickHash: true })
    for (let round = 1; round <= 3; round++) {
      const tokens = await Promise.all([
        ...Array.from({ length: 6 }, () => first.login('a@example.com')),
        ...Array.from({ length: 6 }, () => second.login('a@example.com')),
        ...Array.from({ length: 6 }, () => first.app.accessTokens.issue(id).then((one) => one.token)),
        ...Array.from({ length: 6 }, () => second.app.accessTokens.issue(id).then((one) => one.token))
      ])
      const digests = await storedDigests(first, id)
      t.equal(digests.length, 4, `round ${round}: exactly the limit is left`)
      const left = tokens.filter((token) => digests.includes(hashToken(token)))
      t.equal(left.length, 4, `round ${round}: the rows left are tokens of this round`)
      for (const token of left) {
        t.equal(await status(first.app, token), 200)
        t.equal(await status(second.app, token), 200)
      }
    }
  })
}

for (const driver of drivers.filter((name) => FAMILY[name] === 'mysql')) {
  t.test(`${driver}: a login that InnoDB rolls back in a deadlock runs again and keeps the limit`, async (t) => {
    const built = await buildApp(t, { driver, plugin: { maxTokensPerUser: 2 }, counting: true })
    const { tdb, counting } = built
    const id = await built.addUser({ email: 'a@example.com', quickHash: true })
    await tdb.query('create table ballast (n int)')

    // Another client locks the user's (empty) range of the user_id index,
    // as the login's locking read does. Its ballast rows make it the larger
    // transaction, so InnoDB rolls the login back, not it.
    const other = await mysql.createConnection(tdb.url as string)
    t.teardown(() => other.end())
    await other.query('begin')
    await other.query('insert into ballast (n) values ?', [Array.from({ length: 100 }, (_, n) => [n])])
    await other.query('select token from access_token where user_id = ? for update', [id])

    counting.reset()
    const issuing = built.app.accessTokens.issue(id)
    // The login's insert now waits for the other client's gap lock. InnoDB
    // refreshes innodb_trx only when it was not read for 0.1 s: poll slower.
    for (let poll = 0; ; poll++) {
      await sleep(200)
      const [{ waiting }] = await tdb.query("select count(*) as waiting from information_schema.innodb_trx where trx_state = 'LOCK WAIT'")
      if (Number(waiting) > 0) break
      if (poll === 50) throw new Error('the login never waited for the lock')
    }
    // The other client's insert into the same gap closes the cycle.
    const theirs = randomUUID().replaceAll('-', '')
    await other.query('insert into access_token (token, user_id, created_at) values (?, ?, ?)', [theirs, id, new Date(Date.now() - 1000)])
    await other.query('commit')

    const { token } = await issuing
    t.equal(counting.counts.transaction, 2, 'the login ran a second time')
    t.same(await storedDigests(built, id), [theirs, hashToken(token)].sort(), 'it counted the row committed meanwhile')
    t.equal(await status(built.app, token), 200)
  })
}
