// Two app instances, each in its own process, on one database server: what
// a deployment with several instances behind a load balancer looks like.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { drivers, openDatabase, type TestDriver, type TestDatabase, FAMILY } from './helpers/databases.js'
import { insertUser, PASSWORD } from './helpers/app.js'
import { within } from './helpers/within.js'
import { hashToken } from '../index.js'
import { childEnv } from './helpers/child-env.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Instance {
  /** Sends a request; resolves with its status and JSON body (or null). */
  request(method: string, path: string, options?: { token?: string, body?: unknown }): Promise<{ status: number, body: unknown }>
}

/** Starts test/helpers/instance-server.ts in a child process; killed when the test ends. */
async function startInstance (t: Test, tdb: TestDatabase, options: Record<string, unknown> = {}): Promise<Instance> {
  // tap's loaders stay out of the child: it runs under tsx.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/instance-server.ts'], {
    cwd: ROOT,
    env: childEnv({ INSTANCE_DIALECT: tdb.dialect, INSTANCE_DATABASE_URL: tdb.url as string, INSTANCE_OPTIONS: JSON.stringify(options) }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  })
  let output = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const port = await within(new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const found = /^\{"port":(\d+)\}$/m.exec(output)
      if (found !== null) resolve(Number(found[1]))
    })
    exited.then(([code]) => reject(new Error(`instance exited (${code}) before listening:\n${output}`)), reject)
  }), 30_000)

  return {
    async request (method, path, { token, body } = {}) {
      const headers: Record<string, string> = {}
      if (token !== undefined) headers.authorization = `Bearer ${token}`
      if (body !== undefined) headers['content-type'] = 'application/json'
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await response.text()
      return { status: response.status, body: text === '' ? null : JSON.parse(text) }
    }
  }
}

async function login (instance: Instance, email: string): Promise<string> {
  const response = await instance.request('POST', '/auth/login', { body: { username: email, password: PASSWORD } })
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`)
  return (response.body as { access_token: string }).access_token
}

// Two processes share a database server; PGlite lives inside one process.
const servers = drivers.filter((driver): driver is Exclude<TestDriver, 'sqlite'> => FAMILY[driver] !== 'sqlite' && driver !== 'pglite')

for (const driver of servers) {
  t.test(`${driver}: two instances in two processes share tokens and revocations`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    await insertUser(tdb, { email: 'a@example.com', quickHash: true })
    const [one, two] = await Promise.all([startInstance(t, tdb), startInstance(t, tdb)])

    const token = await login(one, 'a@example.com')
    const onTwo = await two.request('GET', '/me', { token })
    t.equal(onTwo.status, 200, 'a token issued by one instance is accepted by the other')
    t.match(onTwo.body, { email: 'a@example.com' })

    t.equal((await one.request('POST', '/auth/logout', { token })).status, 204)
    t.equal((await two.request('GET', '/me', { token })).status, 401, 'a logout on one is refused by the other at once')
    t.equal((await one.request('GET', '/me', { token })).status, 401)

    // The other way round, and through the sessions routes.
    const laptop = await login(two, 'a@example.com')
    const phone = await login(two, 'a@example.com')
    t.equal((await one.request('GET', '/me', { token: phone })).status, 200)
    const listed = await one.request('GET', '/auth/sessions', { token: laptop })
    t.same((listed.body as Array<{ id: string }>).map((session) => session.id).sort(), [hashToken(laptop), hashToken(phone)].sort())
    t.equal((await one.request('DELETE', `/auth/sessions/${hashToken(phone)}`, { token: laptop })).status, 204)
    t.equal((await two.request('GET', '/me', { token: phone })).status, 401, 'a session ended on one is refused by the other')
    t.equal((await one.request('POST', '/auth/logout-all', { token: laptop })).status, 204)
    t.equal((await two.request('GET', '/me', { token: laptop })).status, 401, 'logout-all on one reaches the other')
  })

  t.test(`${driver}: the per-user limit holds across instances`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    await insertUser(tdb, { email: 'a@example.com', quickHash: true })
    const options = { maxTokensPerUser: 3 }
    const [one, two] = await Promise.all([startInstance(t, tdb, options), startInstance(t, tdb, options)])
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, n) => login(n % 2 === 0 ? one : two, 'a@example.com')))
    const rows = await tdb.query('select token from access_token')
    t.equal(rows.length, 3, 'exactly the limit is left')
    const left = tokens.filter((token) => rows.some((row) => row.token === hashToken(token)))
    t.equal(left.length, 3)
    for (const token of left) {
      t.equal((await one.request('GET', '/me', { token })).status, 200)
      t.equal((await two.request('GET', '/me', { token })).status, 200)
    }
  })
}
