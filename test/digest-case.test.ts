// Session ids (digests) are base64url, where case matters: an id with its
// letters' case swapped is another id on every database, MySQL's
// case-insensitive default collations included.
import t from 'tap'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'
import { hashToken } from '../index.js'

function swapCase (value: string): string {
  return [...value].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')
}

for (const driver of drivers) {
  t.test(`${driver}: a case-swapped session id matches no session`, async (t) => {
    const { app, addUser, login } = await buildApp(t, { driver })
    await addUser({ email: 'case@example.com' })
    const current = await login('case@example.com')
    const other = await login('case@example.com')
    const id = hashToken(other)
    const swapped = swapCase(id)
    t.not(swapped, id)

    const response = await app.inject({ method: 'DELETE', url: `/auth/sessions/${encodeURIComponent(swapped)}`, headers: bearer(current) })
    t.equal(response.statusCode, 404)
    t.equal(response.json().code, 'SESSION_NOT_FOUND')
    t.equal(await app.accessTokens.revokeSession(swapped), false)
    t.equal((await app.inject({ url: '/me', headers: bearer(other) })).statusCode, 200, 'the session is still there')
    t.equal(await app.accessTokens.revokeSession(id), true)
  })
}
