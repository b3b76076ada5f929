// Regression: an email in NFC and the same email in NFD were two accounts,
// and passwords differing only in unpaired surrogates shared a hash (UTF-8
// turns each into U+FFFD). Emails are now NFC-normalised (and one stored in
// NFD before still signs in); passwords are NFKC-normalised, and a password
// with an unpaired surrogate is refused when hashed and matches nothing.
import t from 'tap'
import { createUser, hashPassword, verifyPassword } from '../index.js'
import { drivers } from './helpers/databases.js'
import { buildApp, PASSWORD } from './helpers/app.js'

const NFC = 'josé.müller@example.com'.normalize('NFC')
const NFD = NFC.normalize('NFD')
// Made by hashPassword before this normalisation was reviewed, from the
// password below in NFD; it must keep verifying.
const OLD_HASH = '$scrypt$ln=14,r=8,p=5$rglMPC85sWelfeNJ/RdD0A==$TXJzwu3MTywltHFMBPX84wcEzck7SXsD091wTq6oo6c='
const OLD_PASSWORD = 'Ｐａｓｓ ｗｏｒｄ ﬁ café'

t.test('the two forms are different strings', async (t) => {
  t.not(NFC, NFD)
})

for (const driver of drivers) {
  t.test(`${driver}: an email is one account whatever its Unicode form`, async (t) => {
    const { app, tdb } = await buildApp(t, { driver })
    const login = (username: string, password = PASSWORD) => app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })

    const user = await createUser<{ email: string }>(tdb.db, { email: NFD, password: PASSWORD })
    t.equal(user.email, NFC, 'stored in NFC')
    t.equal((await login(NFC)).statusCode, 200)
    t.equal((await login(NFD)).statusCode, 200, 'the decomposed form signs in to the same account')
    await t.rejects(createUser(tdb.db, { email: NFC, password: PASSWORD }), { code: 'USER_ALREADY_EXISTS' })
    await t.rejects(createUser(tdb.db, { email: NFD.toUpperCase(), password: PASSWORD }), { code: 'USER_ALREADY_EXISTS' }, 'whatever the form and case')
  })

  t.test(`${driver}: an email stored in NFD before still signs in`, async (t) => {
    const { app, tdb, addUser } = await buildApp(t, { driver })
    await addUser({ email: NFD })
    for (const username of [NFC, NFD]) {
      const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: PASSWORD } })
      t.equal(response.statusCode, 200, username === NFC ? 'typed in NFC' : 'typed in NFD')
    }
    await t.rejects(createUser(tdb.db, { email: NFC, password: PASSWORD }), { code: 'USER_ALREADY_EXISTS' }, 'no twin account in the other form')
    const wrong = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: NFC, password: 'wrong' } })
    t.equal(wrong.json().code, 'LOGIN_BAD_CREDENTIALS')
  })

  t.test(`${driver}: a password in another Unicode form signs in; one made before this normalisation too`, async (t) => {
    const { app, tdb } = await buildApp(t, { driver })
    await tdb.db.insert(tdb.schema.users).values({ id: crypto.randomUUID(), email: 'old@example.com', hashedPassword: OLD_HASH })
    for (const password of [OLD_PASSWORD, OLD_PASSWORD.normalize('NFD'), OLD_PASSWORD.normalize('NFKC')]) {
      const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'old@example.com', password } })
      t.equal(response.statusCode, 200)
    }
  })
}

t.test('passwords are NFKC-normalised; unpaired surrogates are refused', async (t) => {
  const hash = await hashPassword('ﬁle Ｐａｓｓ')
  t.ok(await verifyPassword('file Pass', hash), 'compatibility forms are one password')
  t.ok(await verifyPassword(OLD_PASSWORD, OLD_HASH), 'a hash made before keeps verifying')

  await t.rejects(hashPassword('secret\uD800'), TypeError, 'an unpaired surrogate cannot be hashed')
  await t.rejects(hashPassword('\uDC00secret'), TypeError)
  const replaced = await hashPassword('secret\uFFFD')
  t.ok(await verifyPassword('secret\uFFFD', replaced))
  t.notOk(await verifyPassword('secret\uD800', replaced), 'a lone high surrogate no longer matches U+FFFD')
  t.notOk(await verifyPassword('secret\uDFFF', replaced), 'nor a lone low one')
  const emoji = await hashPassword('secret 😀')
  t.ok(await verifyPassword('secret 😀', emoji), 'a surrogate pair is a character like any other')
})
