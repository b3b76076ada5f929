// Concurrent use over real HTTP: 20 users each doing 100 interleaved logins,
// authenticated requests and logouts against a listening server. No answer
// is a 5xx, a request always gets its own user, every logged-out token is
// refused at once, and the rows left are the tokens issued minus those revoked.
import t from 'tap'
import { Pool } from 'undici'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

const USERS = 20
const OPERATIONS = 100
const SEED = 20240617

/** A small seeded generator (mulberry32): the same run every time. */
function random (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let x = Math.imul(state ^ (state >>> 15), 1 | state)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

for (const driver of drivers) {
  for (const cache of [false, true]) {
    t.test(`${driver}${cache ? ', with cache' : ''}: ${USERS} users x ${OPERATIONS} interleaved logins, requests and logouts`, async (t) => {
      // Login through scrypt 2000 times would measure scrypt; a plain
      // in-memory password check leaves the token store under test.
      const accounts = new Map<string, { id: string, password: string }>()
      const { app, tdb, addUser } = await buildApp(t, {
        driver,
        plugin: {
          cache,
          authenticate: ({ username, password }) => {
            const account = accounts.get(username)
            return account !== undefined && account.password === password ? { id: account.id } : null
          }
        }
      })
      for (let i = 0; i < USERS; i++) {
        const email = `user${i}@example.com`
        accounts.set(email, { id: await addUser({ email }), password: `password of user ${i}` })
      }
      const address = await app.listen({ port: 0, host: '127.0.0.1' })
      const client = new Pool(address, { connections: USERS })
      t.teardown(() => client.close())

      async function call (method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<{ status: number, json: any }> {
        const response = await client.request({
          method,
          path,
          headers: {
            ...(token === undefined ? {} : bearer(token)),
            ...(body === undefined ? {} : { 'content-type': 'application/json' })
          },
          body: body === undefined ? undefined : JSON.stringify(body)
        })
        const text = await response.body.text()
        return { status: response.statusCode, json: text === '' ? null : JSON.parse(text) }
      }

      const statuses = new Map<number, number>()
      // Unexpected answers, described without any token.
      const problems: string[] = []
      const live: string[] = []
      const revoked: string[] = []
      let issued = 0
      const expect = (what: string, status: number, wanted: number): boolean => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status !== wanted) problems.push(`${what}: ${status}, expected ${wanted}`)
        return status === wanted
      }

      async function user (i: number): Promise<void> {
        const next = random(SEED + i)
        const email = `user${i}@example.com`
        const { id, password } = accounts.get(email)!
        const held: string[] = []
        for (let op = 0; op < OPERATIONS; op++) {
          const roll = next()
          if (held.length === 0 || roll < 0.3) {
            const wrong = roll > 0.27 && held.length > 0
            const answer = await call('POST', '/auth/login', undefined, { username: email, password: wrong ? 'not it' : password })
            if (expect(`user ${i} login${wrong ? ' with a wrong password' : ''}`, answer.status, wrong ? 400 : 200) && !wrong) {
              held.push(answer.json.access_token)
              issued++
            }
          } else if (roll < 0.75) {
            const answer = await call('GET', '/me', held[Math.floor(next() * held.length)])
            if (expect(`user ${i} request`, answer.status, 200) && answer.json.id !== id) {
              problems.push(`user ${i} request answered with another user`)
            }
          } else {
            const [token] = held.splice(Math.floor(next() * held.length), 1)
            if (expect(`user ${i} logout`, (await call('POST', '/auth/logout', token)).status, 204)) revoked.push(token)
            expect(`user ${i} request after logout`, (await call('GET', '/me', token)).status, 401)
          }
        }
        live.push(...held)
      }

      await Promise.all(Array.from({ length: USERS }, (_, i) => user(i)))

      t.same(problems, [], 'every answer as expected')
      t.notOk([...statuses.keys()].some((status) => status >= 500), 'no 5xx')
      t.ok(issued > USERS && revoked.length > USERS, `a real mix: ${issued} issued, ${revoked.length} revoked`)
      const [{ n }] = await tdb.query('select count(*) as n from access_token')
      t.equal(Number(n), issued - revoked.length, 'rows left = issued - revoked')

      const after = await Promise.all([...revoked, ...live].map(async (token) => (await call('GET', '/me', token)).status))
      t.same(after.slice(0, revoked.length), revoked.map(() => 401), 'every logged-out token is still refused')
      t.same(after.slice(revoked.length), live.map(() => 200), 'every other token still works')
    })
  }
}
