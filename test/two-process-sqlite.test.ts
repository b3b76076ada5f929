// Two processes on one SQLite file, set up as the README says (WAL and a
// busy timeout): a token issued by one is accepted by the other, a logout in
// one is refused by the other at once, and logins racing across both keep
// maxTokensPerUser.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { openDatabase, type TestDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD, type TestApp } from './helpers/app.js'
import { childEnv } from './helpers/child-env.js'

const SERVER = fileURLToPath(new URL('./helpers/sqlite-server.ts', import.meta.url))

interface Other {
  /** Answers of the other process: status and parsed JSON body (or null). */
  call(method: 'GET' | 'POST', path: string, options?: { token?: string, body?: unknown }): Promise<{ status: number, body: any }>
}

async function twoProcesses (t: Test, options: Record<string, unknown> = {}): Promise<{ here: TestApp, other: Other, tdb: TestDatabase }> {
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-two-'))
  const file = join(dir, 'app.db')
  const tdb = await openDatabase('better-sqlite3', { file })
  await tdb.query('pragma journal_mode = wal')
  t.teardown(async () => {
    await tdb.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const here = await buildApp(t, { tdb, plugin: options })

  // tsx runs the TypeScript sources, and starts faster than the test's own
  // loader; tap's loaders and coverage stay out of the child.
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, file, JSON.stringify(options)], { env: childEnv(), stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    child.stdin.end()
    await exited
  })
  const [line] = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    exited.then(() => { throw new Error('the other process ended before listening') })
  ]) as string[]
  const { address } = JSON.parse(line)

  const other: Other = {
    async call (method, path, { token, body } = {}) {
      const response = await request(`${address}${path}`, {
        method,
        headers: {
          ...(token === undefined ? {} : bearer(token)),
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await response.body.text()
      return { status: response.statusCode, body: text === '' ? null : JSON.parse(text) }
    }
  }
  return { here, other, tdb }
}

t.test('sqlite, two processes: tokens and logouts are seen across processes at once', async (t) => {
  const { here, other } = await twoProcesses(t)
  const { app, addUser, login } = here
  const id = await addUser({ email: 'a@example.com' })

  // Issued over there, accepted here; logged out here, refused there.
  const issued = await other.call('POST', '/auth/login', { body: { username: 'a@example.com', password: PASSWORD } })
  t.equal(issued.status, 200)
  const fromOther = issued.body.access_token
  const me = await app.inject({ url: '/me', headers: bearer(fromOther) })
  t.equal(me.statusCode, 200)
  t.equal(me.json().id, id)
  t.equal((await other.call('GET', '/me', { token: fromOther })).status, 200)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(fromOther) })).statusCode, 204)
  t.equal((await other.call('GET', '/me', { token: fromOther })).status, 401, 'refused there at once')

  // And the other way round.
  const fromHere = await login('a@example.com')
  const there = await other.call('GET', '/me', { token: fromHere })
  t.equal(there.status, 200)
  t.equal(there.body.id, id)
  t.equal((await other.call('POST', '/auth/logout', { token: fromHere })).status, 204)
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
    other.call('POST', '/auth/login', { body: payload }).then((response) => ({ status: response.status, token: response.body.access_token as string }))
  ]).flat())
  t.same(answers.map((answer) => answer.status), answers.map(() => 200), 'every login succeeded')
  const rows = await tdb.query('select count(*) as n from access_token')
  t.equal(rows[0].n, keep)
  // The tokens kept work in both processes; the others in neither.
  let live = 0
  for (const { token } of answers) {
    const hereStatus = (await app.inject({ url: '/me', headers: bearer(token) })).statusCode
    const thereStatus = (await other.call('GET', '/me', { token })).status
    t.equal(hereStatus, thereStatus, 'both processes agree')
    if (hereStatus === 200) live++
  }
  t.equal(live, keep)
})
