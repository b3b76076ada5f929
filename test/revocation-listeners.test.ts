// The listening side of revocations on PostgreSQL, piece by piece, with
// connections that fail on cue: a listen that fails part way leaves nothing
// listening, and a receiver that is closing neither retries nor logs a lapse.
// (The same pieces on real servers: cache-outage.test.ts, cache-instances.test.ts.)
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { VerifiedCache } from '../lib/cache.js'
import { PgReceiver } from '../lib/revocations/pg-receiver.js'
import { pgliteListen } from '../lib/revocations/listen-pglite.js'
import { postgresJsListen } from '../lib/revocations/listen-postgres-js.js'
import type { Listen, Listening } from '../lib/revocations/listen.js'
import type { FastifyBaseLogger } from 'fastify'

const handlers = { message () {}, lost () {} }

/** The warnings a receiver logs (it logs nothing else). */
function warnings (): { lines: string[], logger: FastifyBaseLogger } {
  const lines: string[] = []
  const warn = (object: unknown, message?: string): void => { lines.push(message ?? String(object)) }
  return { lines, logger: { warn } as unknown as FastifyBaseLogger }
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

t.test('postgres.js: a listen that fails on its second channel stops the first, and fails', async (t) => {
  const stopped: string[] = []
  const client = Object.assign(() => {}, {
    notify () {},
    unsafe () {},
    async listen (channel: string) {
      if (channel === 'second') throw new Error('connection refused')
      return { unlisten: async () => { stopped.push(channel) } }
    }
  })
  await t.rejects(postgresJsListen(client)!(['first', 'second'], handlers), /connection refused/)
  t.same(stopped, ['first'])
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
  attempts[0].fail(new Error('connection refused'))
  await sleep(20)
  t.equal(attempts.length, 1, 'the first attempt failed; the retry waits')
  t.match(log.lines.join('\n'), /cannot be received/, 'the lapse is logged')
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
