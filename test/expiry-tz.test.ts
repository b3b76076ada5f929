// The expiry suite with the app in America/New_York while the databases keep
// their own zone: stored instants must not shift by the zone offset.
import './helpers/tz-new-york.js'
import t from 'tap'
import { expirySuite } from './helpers/expiry-suite.js'

t.test('the process runs in America/New_York', async (t) => {
  t.equal(process.env.TZ, 'America/New_York')
  t.equal(new Date(Date.UTC(2024, 0, 15)).getTimezoneOffset(), 300, 'UTC-5 in winter')
  t.equal(new Date(Date.UTC(2024, 6, 15)).getTimezoneOffset(), 240, 'UTC-4 in summer')
  t.ok([240, 300].includes(new Date().getTimezoneOffset()), 'and now')
})

expirySuite(t)
