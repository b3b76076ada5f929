// Logs are read by more people than databases are. A full login, request and
// logout cycle logged at `trace` holds no secret, no digest, no password and
// no password hash; neither does one logged with a request serializer that
// logs headers, once the README's pino `redact` recipe is applied.
import t, { type Test } from 'tap'
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { hashToken } from '../index.js'
import { drivers, FAMILY } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'
import { capturedLog } from './helpers/captured-log.js'

const WRONG_PASSWORD = 'Tr0ub4dor&3 is not it'

// The README's recipe.
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]']

// An application that logs every request and response header.
const headerSerializers = {
  req: (request: FastifyRequest) => ({ method: request.method, url: request.url, headers: request.headers }),
  // Fastify passes a reply, or in some cases only a status code.
  res: (reply: Partial<FastifyReply> & { statusCode: number }) => ({ statusCode: reply.statusCode, headers: reply.getHeaders?.() })
}

interface Cycle {
  log: string
  /** Everything that must not be in the log, by what it is. */
  secrets: Map<string, string>
}

async function logCycle (t: Test, driver: typeof drivers[number], logger: FastifyServerOptions['logger']): Promise<Cycle> {
  const { lines, logger: captured } = capturedLog()
  const { app, tdb, addUser } = await buildApp(t, {
    driver,
    fastify: { logger: { ...captured, ...(logger as object) } },
    plugin: { cookie: { secure: false } }
  })
  const id = await addUser({ email: 'a@example.com' })
  const secrets = new Map<string, string>([['password', PASSWORD], ['wrong password', WRONG_PASSWORD]])
  const [{ hashed_password: hash }] = await tdb.query(
    FAMILY[driver] === 'pg' ? 'select hashed_password from "user" where id = $1' : FAMILY[driver] === 'mysql' ? 'select hashed_password from `user` where id = ?' : 'select hashed_password from user where id = ?',
    [id])
  secrets.set('password hash', String(hash))
  // Its salt and key on their own, in case a log carried a piece of it.
  String(hash).split('$').slice(-2).forEach((part, i) => secrets.set(`password hash part ${i}`, part))
  const remember = (token: string, name: string): void => {
    secrets.set(name, token)
    secrets.set(`digest of ${name}`, hashToken(token))
  }

  const origin = { origin: 'http://localhost:80' }
  const login = (password: string) => app.inject({ method: 'POST', url: '/auth/login', headers: origin, payload: { username: 'a@example.com', password } })
  t.equal((await login(WRONG_PASSWORD)).statusCode, 400)
  const first = await login(PASSWORD)
  t.equal(first.statusCode, 200)
  const token = first.json().access_token
  remember(token, 'token')
  const cookie = { cookie: `access_token=${token}` }
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
  t.equal((await app.inject({ url: '/me', headers: cookie })).statusCode, 200)
  t.equal((await app.inject({ url: '/auth/sessions', headers: bearer(token) })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: { ...cookie, ...origin } })).statusCode, 204)
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)

  // The database fails: the errors logged for the 503s quote no parameter.
  const second = await login(PASSWORD)
  t.equal(second.statusCode, 200)
  const live = second.json().access_token
  remember(live, 'second token')
  await tdb.query('drop table access_token')
  const failed = await app.inject({ url: '/me', headers: bearer(live) })
  t.equal(failed.statusCode, 503)
  const failedLogin = await login(PASSWORD)
  t.equal(failedLogin.statusCode, 503)

  const log = lines.join('')
  // The log is there to be searched: the cycle and its failures are in it.
  t.match(log, /"url":"\/auth\/login"/)
  t.match(log, /TOKEN_STORE_UNAVAILABLE/)
  t.match(log, /access_token/, 'the failed query is logged')
  return { log, secrets }
}

function assertClean (t: Test, { log, secrets }: Cycle): void {
  for (const [name, secret] of secrets) {
    t.notOk(log.includes(secret), `no ${name} in the log`)
  }
}

for (const driver of drivers) {
  t.test(`${driver}: Fastify's default serializers at trace level`, async (t) => {
    assertClean(t, await logCycle(t, driver, {}))
  })

  t.test(`${driver}: serializers that log headers leak them without redact (the check can fail)`, async (t) => {
    const { log, secrets } = await logCycle(t, driver, { serializers: headerSerializers })
    t.ok(log.includes(secrets.get('token')!), 'the Authorization and Cookie headers are in the log')
    t.ok(log.includes(secrets.get('second token')!), 'the Set-Cookie header is in the log')
  })

  t.test(`${driver}: serializers that log headers, with the README's redact paths`, async (t) => {
    const cycle = await logCycle(t, driver, { serializers: headerSerializers, redact: REDACT })
    assertClean(t, cycle)
    t.match(cycle.log, /"authorization":"\[Redacted\]"/)
    t.match(cycle.log, /"cookie":"\[Redacted\]"/)
    t.match(cycle.log, /"set-cookie":"\[Redacted\]"/)
  })
}
