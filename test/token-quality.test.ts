// Token quality: secrets are distinct, 43 characters of base64url with no
// visible bias, and the database file never holds one.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { generateToken, hashToken } from '../index.js'
import { openDatabase } from './helpers/databases.js'
import { buildApp, bearer, PASSWORD } from './helpers/app.js'

const COUNT = 100_000
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

t.test(`${COUNT} generated tokens are distinct, 43 characters of base64url`, async (t) => {
  const seen = new Set<string>()
  let malformed = 0
  // counts[position][character index]
  const counts = Array.from({ length: 43 }, () => new Array<number>(64).fill(0))
  for (let i = 0; i < COUNT; i++) {
    const token = generateToken()
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) malformed++
    seen.add(token)
    for (let p = 0; p < token.length && p < 43; p++) counts[p][BASE64URL.indexOf(token[p])]++
  }
  t.equal(malformed, 0, 'every token is 43 base64url characters')
  t.equal(seen.size, COUNT, 'no token came twice')

  // 32 bytes are 256 bits: 42 characters of 6 bits and a last one of 4.
  for (let p = 0; p < 42; p++) {
    if (counts[p].some((n) => n === 0)) t.fail(`position ${p} never shows some character`)
  }
  const last = counts[42].flatMap((n, i) => n > 0 ? [BASE64URL[i]] : [])
  t.same(last, [...'AEIMQUYcgkosw048'], 'the last character carries 4 bits')
  // Each character is as frequent as the others: 65625 expected in 42 * COUNT
  // characters, a standard deviation near 250; 5% off is 13 of them.
  const expected = (42 * COUNT) / 64
  for (let c = 0; c < 64; c++) {
    let total = 0
    for (let p = 0; p < 42; p++) total += counts[p][c]
    if (Math.abs(total - expected) > expected * 0.05) t.fail(`${BASE64URL[c]} appears ${total} times, ${expected} expected`)
  }
  t.pass('no character is over- or under-represented')
})

for (const journalMode of ['delete', 'wal'] as const) {
  t.test(`sqlite (journal_mode ${journalMode}): the database file never holds the secret`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'access-tokens-bytes-'))
    const file = join(dir, 'app.db')
    const tdb = await openDatabase('better-sqlite3', { file })
    t.teardown(async () => {
      await tdb.close()
      rmSync(dir, { recursive: true, force: true })
    })
    await tdb.query(`pragma journal_mode = ${journalMode}`)
    const { app, addUser, login } = await buildApp(t, { tdb })
    await addUser({ email: 'a@example.com' })

    const bytes = (): Buffer => Buffer.concat(['', '-wal', '-journal']
      .map((suffix) => file + suffix)
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path)))
    const check = (secret: string, when: string): void => {
      const raw = bytes()
      // The digest is there: these are the bytes the token row went to.
      t.ok(raw.includes(hashToken(secret)), `${when}: the digest is in the file`)
      t.notOk(raw.includes(secret), `${when}: the secret is not, as text`)
      t.notOk(raw.includes(Buffer.from(secret, 'base64url')), `${when}: nor as its 32 bytes`)
      t.notOk(raw.includes(Buffer.from(secret, 'base64url').toString('base64')), `${when}: nor as base64`)
      t.notOk(raw.includes(PASSWORD), `${when}: nor is the password`)
    }

    const token = await login('a@example.com')
    check(token, 'after login')
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200)
    const other = await login('a@example.com')
    check(token, 'after use')
    check(other, 'after a second login')
    await tdb.query(journalMode === 'wal' ? 'pragma wal_checkpoint(TRUNCATE)' : 'select 1')
    check(other, 'after a checkpoint')
  })
}
