// Regression: the dummy hash that an unknown email is checked against was
// built on the first such login, so after each start the first probe for an
// unknown email cost two scrypt runs against one for a known email, and its
// time told that the email had no account. The hash is now built while the
// plugin registers. The work is compared, not the time: a count of scrypt
// runs does not flake on a loaded machine.
import { scryptRuns } from './helpers/count-scrypt.js'
import t from 'tap'
import { buildApp } from './helpers/app.js'

t.test('the first login probes after a start cost the same work, known email or not', async (t) => {
  const before = scryptRuns.count
  const { app, addUser } = await buildApp(t)
  t.equal(scryptRuns.count - before, 1, 'the dummy hash is built while the plugin registers, before any login')
  // Made with scryptSync, which is not counted: only the logins' runs are.
  await addUser({ email: 'known@example.com', quickHash: true })

  const probe = async (username: string): Promise<number> => {
    const start = scryptRuns.count
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: 'a wrong password' } })
    t.equal(response.json().code, 'LOGIN_BAD_CREDENTIALS')
    return scryptRuns.count - start
  }
  t.equal(await probe('unknown@example.com'), 1, 'the first unknown email: one scrypt run')
  t.equal(await probe('known@example.com'), 1, 'a known email: one scrypt run')
  t.equal(await probe('other-unknown@example.com'), 1, 'and every later unknown email: one')
})

t.test('a second app in the same process reuses the dummy hash', async (t) => {
  const before = scryptRuns.count
  await buildApp(t)
  t.equal(scryptRuns.count - before, 0)
})
