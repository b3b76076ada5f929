// Expiry in the machine's time zone; expiry-tz.test.ts runs it again in another.
import t from 'tap'
import { expirySuite } from './helpers/expiry-suite.js'

expirySuite(t)
