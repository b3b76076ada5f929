// Revocations reach the cache of every instance: three app processes with
// the cache on share one database (an SQLite file, PostgreSQL, MySQL); a
// revocation on one is refused by the others within the dialect's bound
// (100 ms through PostgreSQL's notifications, 1 s through the log table),
// counted from the moment the revoking request has answered. Many rounds,
// and the worst one is what is asserted.
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'undici'
import { familyOf, onePerFamily, openDatabase, type TestDatabase, type TestDriver } from './helpers/databases.js'
import type { DialectName } from '../lib/dialects/types.js'
import { insertUser } from './helpers/app.js'
import { loginOn as login, startInstance, type Instance } from './helpers/instances.js'
import { hashToken } from '../index.js'

const BOUNDS: Record<DialectName, number> = { sqlite: 1000, pg: 100, mysql: 1000 }
const ROUNDS = 20
// Keep-alive connections: a new TCP connection per probe would blur the measure.
const agent = new Agent({ connections: 8 })
t.teardown(() => agent.close())

/** Asks `instance` again and again until the token is refused; returns when, in ms after `since`. */
async function refusal (instance: Instance, token: string, since: number, limit: number): Promise<number> {
  for (;;) {
    const { status } = await instance.request('GET', '/me', { token })
    const elapsed = performance.now() - since
    if (status === 401 || status === 403) return elapsed
    if (status !== 200) throw new Error(`unexpected status ${status}`)
    if (elapsed > limit) return elapsed
  }
}

async function sharedDatabase (t: Test, driver: TestDriver): Promise<{ tdb: TestDatabase, where: string }> {
  if (familyOf(driver) !== 'sqlite') {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    return { tdb, where: tdb.url as string }
  }
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-cache-'))
  const file = join(dir, 'app.db')
  const tdb = await openDatabase(driver, { file })
  await tdb.query('pragma journal_mode = wal')
  t.teardown(async () => {
    await tdb.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { tdb, where: file }
}

const REVOCATIONS = ['logout', 'delete session', 'logout-all', 'eviction by maxTokensPerUser', 'invalidateUser'] as const
const OPTIONS = { cache: true, maxTokensPerUser: 3 }

function sqlOf (dialect: DialectName, text: string): string {
  let n = 0
  return dialect === 'pg' ? text.replace(/\?/g, () => `$${++n}`) : text
}

// The instances run the family's reference driver (test/helpers/instance-server.ts).
for (const driver of onePerFamily) {
  const dialect = familyOf(driver)
  t.test(`${dialect}: a revocation on one instance is refused by the others within ${BOUNDS[dialect]} ms`, async (t) => {
    const { tdb, where } = await sharedDatabase(t, driver)
    const userId = await insertUser(tdb, { email: 'a@example.com', quickHash: true })
    const instances = await Promise.all([0, 1, 2].map(() => startInstance(t, 'test/helpers/instance-server.ts', { INSTANCE_DIALECT: dialect, INSTANCE_DATABASE: where, INSTANCE_OPTIONS: JSON.stringify(OPTIONS) }, agent)))
    const [one, ...others] = instances

    // The others do serve from their caches: a row deleted behind the
    // plugin's back (no revocation published) is still accepted there.
    const hidden = await login(one, 'a@example.com')
    for (const other of others) t.equal((await other.request('GET', '/me', { token: hidden })).status, 200)
    await tdb.query(sqlOf(dialect, 'delete from access_token where token = ?'), [hashToken(hidden)])
    for (const other of others) t.equal((await other.request('GET', '/me', { token: hidden })).status, 200, 'served from the cache')

    const delays: Record<string, number[]> = {}
    for (let round = 0; round < ROUNDS; round++) {
      const kind = REVOCATIONS[round % REVOCATIONS.length]
      const token = await login(one, 'a@example.com')
      const keeper = await login(one, 'a@example.com')
      for (const other of others) t.equal((await other.request('GET', '/me', { token })).status, 200)
      if (kind === 'logout') {
        t.equal((await one.request('POST', '/auth/logout', { token })).status, 204)
      } else if (kind === 'delete session') {
        t.equal((await one.request('DELETE', `/auth/sessions/${hashToken(token)}`, { token: keeper })).status, 204)
      } else if (kind === 'logout-all') {
        t.equal((await one.request('POST', '/auth/logout-all', { token: keeper })).status, 204)
      } else if (kind === 'eviction by maxTokensPerUser') {
        // Two more logins: the limit of three evicts the token.
        await login(one, 'a@example.com')
        await login(one, 'a@example.com')
      } else {
        await tdb.query(sqlOf(dialect, 'update "user" set is_active = ? where id = ?').replace(/"/g, dialect === 'mysql' ? '`' : '"'), [dialect === 'sqlite' ? 0 : false, userId])
        t.equal((await one.request('POST', `/invalidate/${userId}`)).status, 204)
      }
      const since = performance.now()
      const measured = await Promise.all(others.map((other) => refusal(other, token, since, 5000)))
      ;(delays[kind] ??= []).push(...measured)
      if (kind === 'invalidateUser') {
        await tdb.query(sqlOf(dialect, 'update "user" set is_active = ? where id = ?').replace(/"/g, dialect === 'mysql' ? '`' : '"'), [dialect === 'sqlite' ? 1 : true, userId])
        t.equal((await one.request('POST', `/invalidate/${userId}`)).status, 204)
      }
    }
    const all = Object.values(delays).flat()
    const worst = Math.max(...all)
    for (const [kind, list] of Object.entries(delays)) t.comment(`${dialect}, ${kind}: worst ${Math.max(...list).toFixed(1)} ms of ${list.length}`)
    t.equal(all.length, ROUNDS * others.length)
    t.ok(worst <= BOUNDS[dialect], `worst delay ${worst.toFixed(1)} ms within ${BOUNDS[dialect]} ms`)
  })
}
