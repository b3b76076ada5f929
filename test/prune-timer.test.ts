// The prune timer: a prune still running when the timer fires again is not
// started a second time, and closing the app waits for it.
import t from 'tap'
import { buildApp } from './helpers/app.js'
import { controlClock } from './helpers/controlled-clock.js'
import { captureInterval } from './helpers/interval-capture.js'

t.test('overlapping ticks run one prune, and close waits for it', async (t) => {
  const INTERVAL_SECONDS = 3217
  const { tick, registered: built } = await captureInterval(INTERVAL_SECONDS * 1000, () =>
    buildApp(t, { plugin: { lifetimeSeconds: 60, pruneIntervalSeconds: INTERVAL_SECONDS }, counting: true }))
  const { app, tdb, addUser, counting } = built
  t.type(tick, 'function', 'the plugin set its timer')
  const clock = controlClock(t)
  const id = await addUser({ email: 'prune@example.com' })
  for (let i = 0; i < 3; i++) await app.accessTokens.issue(id)
  clock.advance(61_000)
  counting.reset()

  tick!()
  tick!()
  tick!()
  await app.close()
  t.equal(counting.counts.select, 1, 'one prune read its one batch')
  t.equal(counting.counts.delete, 1, 'and deleted it once')
  t.same(await tdb.query('select count(*) as n from access_token'), [{ n: 0 }], 'the expired rows are gone when close returns')
})
