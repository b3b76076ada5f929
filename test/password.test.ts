// hashPassword / verifyPassword: scrypt at OWASP's minimum cost, a random salt
// per hash, the parameters in the hash string, malformed hashes no match.
import { randomBytes, scryptSync } from 'node:crypto'
import t from 'tap'
import { hashPassword, verifyPassword } from '../index.js'

const FORMAT = /^\$scrypt\$ln=14,r=8,p=5\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/

/** A hash in the same format, made here with other parameters. */
function handMade (password: string, cost: { ln: number, r: number, p: number }, keyBytes = 32): string {
  const salt = randomBytes(16)
  const key = scryptSync(password.normalize('NFKC'), salt, keyBytes, { N: 2 ** cost.ln, r: cost.r, p: cost.p, maxmem: 128 * cost.r * (2 ** cost.ln + cost.p + 2) + 1024 * 1024 })
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

t.test('the hash format', async (t) => {
  const hash = await hashPassword('correct horse battery staple')
  const match = FORMAT.exec(hash)
  t.ok(match, 'ln=14, r=8, p=5, then salt and key in base64')
  t.equal(Buffer.from(match![1], 'base64').length, 16, '16-byte salt')
  t.equal(Buffer.from(match![2], 'base64').length, 32, '32-byte key')
  t.notOk(hash.includes('correct horse'), 'not the password')
})

t.test('a random salt per hash', async (t) => {
  const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')])
  t.not(a, b)
  t.not(FORMAT.exec(a)![1], FORMAT.exec(b)![1], 'different salts')
  t.ok(await verifyPassword('same password', a))
  t.ok(await verifyPassword('same password', b))
})

t.test('verifyPassword', async (t) => {
  const hash = await hashPassword('s3cret pass')
  t.equal(await verifyPassword('s3cret pass', hash), true)
  t.equal(await verifyPassword('s3cret pasS', hash), false)
  t.equal(await verifyPassword('s3cret pass ', hash), false)
  t.equal(await verifyPassword('', hash), false)
  t.equal(await verifyPassword(42 as never, hash), false)
  t.equal(await verifyPassword(null as never, hash), false)
})

t.test('the cost travels with the hash, so it can be raised later', async (t) => {
  const older = handMade('old password', { ln: 10, r: 8, p: 1 })
  t.equal(await verifyPassword('old password', older), true)
  t.equal(await verifyPassword('other password', older), false)
})

t.test('the same password in another Unicode form matches', async (t) => {
  const hash = await hashPassword('café')
  t.equal(await verifyPassword('cafe\u0301', hash), true, 'NFC and NFD agree')
})

t.test('a malformed hash is no match, not an error', async (t) => {
  const good = await hashPassword('pw')
  const [, , , salt, key] = good.split('$')
  const cases: Array<[string, unknown]> = [
    ['empty', ''],
    ['not a hash', 'pw'],
    ['another scheme', `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`],
    ['missing key', `$scrypt$ln=14,r=8,p=5$${salt}$`],
    ['missing salt', `$scrypt$ln=14,r=8,p=5$$${key}`],
    ['not base64', `$scrypt$ln=14,r=8,p=5$${salt}$!!!!`],
    ['parameters out of order', `$scrypt$r=8,ln=14,p=5$${salt}$${key}`],
    ['trailing text', `${good}$`],
    ['a short key', `$scrypt$ln=14,r=8,p=5$${salt}$${Buffer.alloc(8).toString('base64')}`],
    ['the key changed', `$scrypt$ln=14,r=8,p=5$${salt}$${Buffer.alloc(32, 1).toString('base64')}`],
    ['null', null],
    ['a number', 42],
    ['an object', { hash: good }]
  ]
  for (const [label, hash] of cases) {
    t.equal(await verifyPassword('pw', hash as string), false, label)
  }
})

t.test('a small N with a larger p still verifies (scrypt memory is 128 * r * (N + p + 2))', async (t) => {
  for (const cost of [{ ln: 1, r: 8, p: 5 }, { ln: 2, r: 8, p: 5 }, { ln: 1, r: 1, p: 9 }]) {
    const hash = handMade('tiny cost', cost)
    t.equal(await verifyPassword('tiny cost', hash), true, JSON.stringify(cost))
    t.equal(await verifyPassword('wrong', hash), false, JSON.stringify(cost))
  }
})

t.test('a hash asking for more than 256 MiB is refused', async (t) => {
  const salt = randomBytes(16).toString('base64')
  const key = randomBytes(32).toString('base64')
  t.equal(await verifyPassword('pw', `$scrypt$ln=20,r=8,p=1$${salt}$${key}`), false)
})

t.test('absurd parameters are refused before any work', async (t) => {
  // Each of these would take gigabytes or hours if it were computed.
  const salt = randomBytes(16).toString('base64')
  const key = randomBytes(32).toString('base64')
  for (const params of ['ln=99,r=8,p=5', 'ln=25,r=8,p=5', 'ln=21,r=8,p=5', 'ln=0,r=8,p=5', 'ln=14,r=0,p=5', 'ln=14,r=8,p=0', 'ln=14,r=999,p=5', 'ln=14,r=8,p=99999']) {
    t.equal(await verifyPassword('pw', `$scrypt$${params}$${salt}$${key}`), false, params)
  }
})

t.test('hashPassword needs a non-empty string', async (t) => {
  for (const password of ['', undefined, null, 42, ['pw']]) {
    await t.rejects(hashPassword(password as string), TypeError, JSON.stringify(password))
  }
})
