// The listening side of revocations on PostgreSQL, piece by piece, with
// connections that fail on cue: a listen that fails part way leaves nothing
// listening, and a receiver that is closing neither retries nor logs a lapse.
// (The same pieces on real servers: cache-outage.test.ts, cache-instances.test.ts.)
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { VerifiedCache } from '../lib/cache.js'
import { PgReceiver } from '../lib/revocations/pg-receiver.js'
import { pgliteListen } from '../lib/revocations/listen-pglite.js'
import { postgresJsListen, type ClientFactory, type ListenerOptions } from '../lib/revocations/listen-postgres-js.js'
import { APPLICATION_NAME, type Listen, type Listening } from '../lib/revocations/listen.js'
import type { FastifyBaseLogger } from 'fastify'

const handlers = { message () {}, lost () {} }

/** The warnings a receiver logs (it logs nothing else). */
function warnings (): { lines: string[], errors: unknown[], logger: FastifyBaseLogger } {
  const lines: string[] = []
  const errors: unknown[] = []
  const warn = (object: unknown, message?: string): void => {
    lines.push(message ?? String(object))
    if (message !== undefined) errors.push((object as { err?: unknown }).err)
  }
  return { lines, errors, logger: { warn } as unknown as FastifyBaseLogger }
}

t.test('PGlite: a listen that fails on its second channel stops the first, and fails', async (t) => {
  const stopped: string[] = []
  const client = {
    query () {},
    exec () {},
    async listen (channel: string) {
      if (channel === 'second') throw new Error('the database is closed')
      return async () => { stopped.push(channel) }
    }
  }
  await t.rejects(pgliteListen(client)!(['first', 'second'], handlers), /the database is closed/)
  t.same(stopped, ['first'])
})

/** A stand-in postgres.js client of the application, and the listening clients made from its options. */
function postgresJsStandIn (fail: (query: string) => boolean = () => false): { client: unknown, made: Array<{ options: ListenerOptions & Record<string, unknown>, sent: string[], ended: number[] }>, make: ClientFactory } {
  const client = Object.assign(() => {}, { unsafe () {}, options: { host: ['db.internal'], connection: { application_name: 'app' } } })
  const made: Array<{ options: ListenerOptions & Record<string, unknown>, sent: string[], ended: number[] }> = []
  const make: ClientFactory = (options) => {
    const one = { options, sent: [] as string[], ended: [] as number[] }
    made.push(one)
    return {
      async unsafe (query: string) {
        one.sent.push(query)
        if (fail(query)) {
          // postgres.js closes the connection, then fails the query.
          options.onclose()
          throw new Error('connection refused')
        }
      },
      async notify () {},
      async end ({ timeout }) { one.ended.push(timeout) }
    }
  }
  return { client, made, make }
}

t.test('postgres.js: a listen that fails on its second channel ends its client, and fails', async (t) => {
  const lost: unknown[] = []
  const { client, made, make } = postgresJsStandIn((query) => query.includes('second'))
  await t.rejects(postgresJsListen(client, make)!(['first', 'second'], { message () {}, lost: (error) => lost.push(error) }), /connection refused/)
  t.same(made[0].sent, ['listen "first"', 'listen "second"'])
  t.same(made[0].ended, [0], 'its client is ended at once')
  t.same(lost, [], 'a connection closed before it listens is the failure of the listen, not a lost channel')
})

t.test('postgres.js: one connection of its own, on the application\'s settings; its close is a lost channel, once', async (t) => {
  const lost: unknown[] = []
  const messages: string[][] = []
  const { client, made, make } = postgresJsStandIn()
  const open = await postgresJsListen(client, make)!(['revocations', 'beat"1'], { message: (channel, payload) => messages.push([channel, payload]), lost: (error) => lost.push(error) })
  const { options, sent } = made[0]
  t.match(options, { host: ['db.internal'], max: 1, idle_timeout: 0, max_lifetime: null, fetch_types: false, connection: { application_name: APPLICATION_NAME } })
  t.same(sent, ['listen "revocations"', 'listen "beat""1"'], 'channel names quoted')
  options.onnotify('revocations', 'u:1')
  t.same(messages, [['revocations', 'u:1']])
  options.onclose()
  options.onclose()
  t.match(lost, [/closed/], 'lost once')
  options.onnotify('revocations', 'u:2')
  t.same(messages, [['revocations', 'u:1']], 'nothing after the loss')
  await open.close()
  t.same(made[0].ended, [1])
})

t.test('postgres.js: closing is no lost channel', async (t) => {
  const lost: unknown[] = []
  const { client, made, make } = postgresJsStandIn()
  const open = await postgresJsListen(client, make)!(['revocations'], { message () {}, lost: (error) => lost.push(error) })
  await open.close()
  made[0].options.onclose()
  t.same(lost, [])
})

/** A Listen whose every attempt waits until the test settles it. */
function listenOnCue (): { listen: Listen, attempts: Array<{ fail(error: Error): void, open(listening: Listening): void }> } {
  const attempts: Array<{ fail(error: Error): void, open(listening: Listening): void }> = []
  const listen: Listen = async () => await new Promise<Listening>((resolve, reject) => {
    attempts.push({ fail: reject, open: resolve })
  })
  return { listen, attempts }
}

t.test('a receiver closed while a retry waits: the retry is called off', async (t) => {
  const { listen, attempts } = listenOnCue()
  const log = warnings()
  const receiver = new PgReceiver(listen, new VerifiedCache({ ttlSeconds: 60, max: 10 }), log.logger)
  // start() waits a while for a first heartbeat, which cannot come.
  receiver.start().catch(t.error)
  attempts[0].fail(new Error(`connection refused for ${'x'.repeat(43)}`))
  await sleep(20)
  t.equal(attempts.length, 1, 'the first attempt failed; the retry waits')
  t.match(log.lines.join('\n'), /cannot be received/, 'the lapse is logged')
  // As the poll receiver logs it: a 503's error, its cause scrubbed.
  t.match(log.errors, [{ code: 'TOKEN_STORE_UNAVAILABLE', cause: { message: 'connection refused for [redacted]' } }], 'the lapse is logged with the store error, scrubbed')
  await receiver.close()
  await sleep(300)
  t.equal(attempts.length, 1, 'no attempt after close')
})

t.test('a listen that fails while the receiver closes: no retry, no lapse logged', async (t) => {
  const { listen, attempts } = listenOnCue()
  const log = warnings()
  const receiver = new PgReceiver(listen, new VerifiedCache({ ttlSeconds: 60, max: 10 }), log.logger)
  receiver.start().catch(t.error)
  await sleep(10)
  const closing = receiver.close()
  attempts[0].fail(new Error('connection refused'))
  await closing
  await sleep(300)
  t.equal(attempts.length, 1, 'no attempt after close')
  t.notMatch(log.lines.join('\n'), /cannot be received/, 'closing is no lapse')
})

t.test('PGlite: closing stops listening, and asks nothing of a database already closed', async (t) => {
  const stopped: string[] = []
  const client = {
    closed: false,
    query () {},
    exec () {},
    async listen (channel: string) {
      return async () => { stopped.push(channel) }
    }
  }
  const open = await pgliteListen(client)!(['first', 'second'], handlers)
  await open.close()
  t.same(stopped, ['first', 'second'])
  const gone = await pgliteListen(client)!(['third'], handlers)
  client.closed = true
  await gone.close()
  t.same(stopped, ['first', 'second'], 'nothing asked of the closed database')
})
