// Two processes on one SQLite file, set up as the README says (WAL and a
// busy timeout): a token issued by one is accepted by the other, a logout in
// one is refused by the other at once, and logins racing across both keep
// maxTokensPerUser.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openDatabase, type TestDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD, type TestApp } from './helpers/app.js'
import { startInstance, type Instance } from './helpers/instances.js'

async function twoProcesses (t: Test, options: Record<string, unknown> = {}): Promise<{ here: TestApp, other: Instance, tdb: TestDatabase }> {
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-two-'))
  const file = join(dir, 'app.db')
  const tdb = await openDatabase('better-sqlite3', { file })
  await tdb.query('pragma journal_mode = wal')
  t.teardown(async () => {
    await tdb.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const here = await buildApp(t, { tdb, plugin: options })
  const other = await startInstance(t, 'test/helpers/instance-server.ts', { INSTANCE_DIALECT: 'sqlite', INSTANCE_DATABASE: file, INSTANCE_OPTIONS: JSON.stringify(options) })
  return { here, other, tdb }
}

t.test('sqlite, two processes: tokens and logouts are seen across processes at once', async (t) => {
  const { here, other } = await twoProcesses(t)
  const { app, addUser, login } = here
  const id = await addUser({ email: 'a@example.com' })

  // Issued over there, accepted here; logged out here, refused there.
  const issued = await other.request('POST', '/auth/login', { body: { username: 'a@example.com', password: PASSWORD } })
  t.equal(issued.status, 200)
  const fromOther = issued.body.access_token
  const me = await app.inject({ url: '/me', headers: bearer(fromOther) })
  t.equal(me.statusCode, 200)
  t.equal(me.json().id, id)
  t.equal((await other.request('GET', '/me', { token: fromOther })).status, 200)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(fromOther) })).statusCode, 204)
  t.equal((await other.request('GET', '/me', { token: fromOther })).status, 401, 'refused there at once')

  // And the other way round.
  const fromHere = await login('a@example.com')
  const there = await other.request('GET', '/me', { token: fromHere })
  t.equal(there.status, 200)
  t.equal(there.body.id, id)
  t.equal((await other.request('POST', '/auth/logout', { token: fromHere })).status, 204)
  t.equal((await app.inject({ url: '/me', headers: bearer(fromHere) })).statusCode, 401, 'refused here at once')
})

t.test('sqlite, two processes: logins racing in both keep maxTokensPerUser, none fails', async (t) => {
  const keep = 3
  const { here, other, tdb } = await twoProcesses(t, { maxTokensPerUser: keep })
  const { app, addUser } = here
  await addUser({ email: 'a@example.com' })
  const payload = { username: 'a@example.com', password: PASSWORD }
  const answers = await Promise.all(Array.from({ length: 8 }, () => [
    app.inject({ method: 'POST', url: '/auth/login', payload }).then((response) => ({ status: response.statusCode, token: response.json().access_token as string })),
    other.request('POST', '/auth/login', { body: payload }).then((response) => ({ status: response.status, token: response.body.access_token as string }))
  ]).flat())
  t.same(answers.map((answer) => answer.status), answers.map(() => 200), 'every login succeeded')
  const rows = await tdb.query('select count(*) as n from access_token')
  t.equal(rows[0].n, keep)
  // The tokens kept work in both processes; the others in neither.
  let live = 0
  for (const { token } of answers) {
    const hereStatus = (await app.inject({ url: '/me', headers: bearer(token) })).statusCode
    const thereStatus = (await other.request('GET', '/me', { token })).status
    t.equal(hereStatus, thereStatus, 'both processes agree')
    if (hereStatus === 200) live++
  }
  t.equal(live, keep)
})
