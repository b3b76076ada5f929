// Retrying work that the database rolled back (a MySQL deadlock victim).
import t from 'tap'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { retry } from '../lib/dialects/retry.js'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'

const isRetryable = (error: unknown): boolean => (error as { retryable?: boolean }).retryable === true

t.test('retry runs the work again while it fails retryably', async (t) => {
  let runs = 0
  const result = await retry(async () => {
    runs++
    if (runs < 3) throw Object.assign(new Error(`run ${runs}`), { retryable: true })
    return 'done'
  }, isRetryable, 5)
  t.equal(result, 'done')
  t.equal(runs, 3)
})

t.test('retry gives up after `attempts` runs and throws the last failure', async (t) => {
  let runs = 0
  await t.rejects(retry(async () => {
    runs++
    throw Object.assign(new Error(`run ${runs}`), { retryable: true })
  }, isRetryable, 4), { message: 'run 4' })
  t.equal(runs, 4)
})

t.test('retry throws other failures at once', async (t) => {
  let runs = 0
  const failure = new Error('not retryable')
  await t.rejects(retry(async () => { runs++; throw failure }, isRetryable, 5), failure)
  t.equal(runs, 1)
  t.equal(await retry(async () => 7, isRetryable, 1), 7)
})

if (drivers.includes('mysql2')) {
  /** What mysql2 throws, under Drizzle's wrapper, for a deadlock victim. */
  const deadlock = (): Error => new DrizzleQueryError('select ... for update', [], Object.assign(
    new Error('Deadlock found when trying to get lock; try restarting transaction'),
    { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }
  ))

  /**
   * Makes the next `failures` transactions of `db` do their work and then be
   * rolled back with `error()`, as InnoDB does to a deadlock victim.
   */
  // They patch the application's database: with storeTimeoutMs on a mysql2
  // pool the plugin runs its statements on a database of its own, so these
  // tests turn it off.
  function rollBackTransactions (db: any, failures: number, error: () => Error): { attempts: () => number } {
    const original = db.transaction.bind(db)
    let attempts = 0
    db.transaction = async (work: (tx: unknown) => Promise<unknown>, config?: unknown) => {
      attempts++
      if (attempts > failures) return original(work, config)
      return original(async (tx: unknown) => {
        await work(tx)
        throw error()
      }, config)
    }
    return { attempts: () => attempts }
  }

  const login = { method: 'POST' as const, url: '/auth/login', payload: { username: 'dl@example.com', password: PASSWORD } }

  t.test('mysql: a login rolled back as a deadlock victim runs again', async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver: 'mysql2', plugin: { maxTokensPerUser: 2, storeTimeoutMs: null } })
    await addUser({ email: 'dl@example.com' })
    const patched = rollBackTransactions(tdb.db, 2, deadlock)
    const response = await app.inject(login)
    t.equal(response.statusCode, 200)
    t.equal(patched.attempts(), 3, 'two deadlocks, then success')
    const rows = await tdb.query('select token from access_token')
    t.equal(rows.length, 1, 'the rolled-back attempts left nothing behind')
    t.equal((await app.inject({ url: '/me', headers: bearer(response.json().access_token) })).statusCode, 200)
  })

  t.test('mysql: after five deadlocks in a row the login is a 503', async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver: 'mysql2', plugin: { maxTokensPerUser: 2, storeTimeoutMs: null } })
    await addUser({ email: 'dl@example.com' })
    const patched = rollBackTransactions(tdb.db, 100, deadlock)
    const response = await app.inject(login)
    t.equal(response.statusCode, 503)
    t.equal(response.json().code, 'TOKEN_STORE_UNAVAILABLE')
    t.equal(patched.attempts(), 5)
    t.same(await tdb.query('select token from access_token'), [])
  })

  t.test('mysql: other failures of the transaction are not retried', async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver: 'mysql2', plugin: { maxTokensPerUser: 2, storeTimeoutMs: null } })
    await addUser({ email: 'dl@example.com' })
    const patched = rollBackTransactions(tdb.db, 100, () => new DrizzleQueryError('insert ...', [], Object.assign(new Error('Lock wait timeout exceeded'), { code: 'ER_LOCK_WAIT_TIMEOUT' })))
    const response = await app.inject(login)
    t.equal(response.statusCode, 503)
    t.equal(patched.attempts(), 1)
  })
}
