// Token expiry on a controlled clock, on every driver. Run by expiry.test.ts
// in the machine's time zone and by expiry-tz.test.ts in America/New_York, so
// the instants written to timestamptz (pg) and datetime(3) (mysql) columns are
// proved to be the same instants read back, whatever the app's zone.
import type { Test } from 'tap'
import { drivers, FAMILY } from './databases.js'
import type { DialectName } from '../../lib/dialects/types.js'
import { buildApp, bearer } from './app.js'
import { controlClock } from './controlled-clock.js'

const LIFETIME_SECONDS = 60

// Login instants with milliseconds, in winter and in summer time; the summer
// one falls on the previous calendar day in New York.
const INSTANTS = [
  Date.UTC(2024, 0, 15, 12, 0, 0, 123),
  Date.UTC(2024, 6, 15, 3, 30, 0, 987)
]

/** The stored created_at, read by the database itself as UTC text ('YYYY-MM-DD HH:MM:SS.mmm'). */
const STORED_UTC: Record<Exclude<DialectName, 'sqlite'>, string> = {
  pg: 'select to_char(created_at at time zone \'UTC\', \'YYYY-MM-DD HH24:MI:SS.MS\') as created from access_token',
  // datetime has no zone: the plugin must write UTC wall-clock time into it.
  mysql: 'select date_format(created_at, \'%Y-%m-%d %H:%i:%s.%f\') as created from access_token'
}

function utcText (ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23)
}

export function expirySuite (t: Test): void {
  for (const driver of drivers) {
    t.test(`${driver}: a token lives exactly lifetimeSeconds from its creation`, async (t) => {
      for (const createdAt of INSTANTS) {
        await t.test(new Date(createdAt).toISOString(), async (t) => {
          const clock = controlClock(t, createdAt)
          const { app, tdb, addUser, login } = await buildApp(t, {
            driver,
            plugin: { lifetimeSeconds: LIFETIME_SECONDS },
            routes: (app) => {
              app.get('/session', { onRequest: app.authenticate }, async (request) => {
                const session = request.accessToken!
                return {
                  dates: session.createdAt instanceof Date && session.expiresAt instanceof Date,
                  createdAt: session.createdAt.getTime(),
                  expiresAt: session.expiresAt?.getTime()
                }
              })
            }
          })
          await addUser({ email: 'ann@example.com' })
          const token = await login('ann@example.com')

          if (FAMILY[driver] === 'sqlite') {
            const [row] = await tdb.query('select created_at from access_token')
            t.equal(Number(row.created_at), createdAt, 'created_at is stored as epoch milliseconds')
          } else {
            const [row] = await tdb.query(STORED_UTC[FAMILY[driver] as Exclude<DialectName, 'sqlite'>])
            t.equal(String(row.created).slice(0, 23), utcText(createdAt), 'created_at is stored as the UTC instant')
          }

          const expiresAt = createdAt + LIFETIME_SECONDS * 1000
          const at = async (ms: number): Promise<number> => {
            clock.set(ms)
            return (await app.inject({ url: '/session', headers: bearer(token) })).statusCode
          }

          clock.set(createdAt)
          const session = await app.inject({ url: '/session', headers: bearer(token) })
          t.same(session.json(), { dates: true, createdAt, expiresAt }, 'request.accessToken: createdAt and expiresAt as Dates')

          t.equal(await at(createdAt + 1000), 200, 'valid a second in')
          t.equal(await at(expiresAt - 1), 200, 'valid 1 ms before the end')
          t.equal(await at(expiresAt), 200, 'valid at exactly created_at + lifetimeSeconds')
          clock.set(expiresAt + 1)
          const refused = await app.inject({ url: '/session', headers: bearer(token) })
          t.equal(refused.statusCode, 401, 'refused 1 ms after')
          t.equal(refused.headers['www-authenticate'], 'Bearer error="invalid_token"')
          t.equal(await at(expiresAt + 3_600_000), 401, 'refused an hour after')
          // The row is still there: the clock alone decides.
          t.equal(await at(expiresAt), 200, 'the expiry is computed, not a side effect of the refusal')
          t.equal(await at(createdAt - 1), 200, 'a clock set back does not refuse it either')
        })
      }
    })

    t.test(`${driver}: with lifetimeSeconds null a token never expires`, async (t) => {
      const createdAt = INSTANTS[1]
      const clock = controlClock(t, createdAt)
      const { app, addUser, login } = await buildApp(t, {
        driver,
        plugin: { lifetimeSeconds: null },
        routes: (app) => {
          app.get('/session', { onRequest: app.authenticate }, async (request) => ({
            createdAt: request.accessToken!.createdAt.getTime(),
            expiresAt: request.accessToken!.expiresAt
          }))
        }
      })
      await addUser({ email: 'ann@example.com' })
      const token = await login('ann@example.com')

      for (const later of [0, 3600_000, 365 * 24 * 3600_000, 100 * 365 * 24 * 3600_000]) {
        clock.set(createdAt + later)
        const response = await app.inject({ url: '/session', headers: bearer(token) })
        t.equal(response.statusCode, 200, `valid ${later} ms later`)
        t.same(response.json(), { createdAt, expiresAt: null }, 'expiresAt is null')
      }
    })
  }
}
