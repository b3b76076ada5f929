// Two app instances, each in its own process, on one database server: what
// a deployment with several instances behind a load balancer looks like.
import t, { type Test } from 'tap'
import { drivers, openDatabase, type TestDriver, type TestDatabase, FAMILY } from './helpers/databases.js'
import { insertUser } from './helpers/app.js'
import { loginOn as login, startInstance, type Instance } from './helpers/instances.js'
import { hashToken } from '../index.js'

/** Starts test/helpers/instance-server.ts on the test's database; killed when the test ends. */
function startOn (t: Test, tdb: TestDatabase, options: Record<string, unknown> = {}): Promise<Instance> {
  return startInstance(t, 'test/helpers/instance-server.ts', { INSTANCE_DIALECT: tdb.dialect, INSTANCE_DATABASE: tdb.url as string, INSTANCE_OPTIONS: JSON.stringify(options) })
}

// Two processes share a database server; PGlite lives inside one process.
const servers = drivers.filter((driver): driver is Exclude<TestDriver, 'sqlite'> => FAMILY[driver] !== 'sqlite' && driver !== 'pglite')

for (const driver of servers) {
  t.test(`${driver}: two instances in two processes share tokens and revocations`, async (t) => {
    const tdb = await openDatabase(driver)
    t.teardown(() => tdb.close())
    await insertUser(tdb, { email: 'a@example.com', quickHash: true })
    const [one, two] = await Promise.all([startOn(t, tdb), startOn(t, tdb)])

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
    const [one, two] = await Promise.all([startOn(t, tdb, options), startOn(t, tdb, options)])
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
