// The app of the outage tests: on a database reached through a proxy the
// test cuts, with one user signed in. The built-in authenticate reads the
// user table first; one that needs no database brings login to the store's
// insert during the outage, here the transaction that keeps maxTokensPerUser.
import type { Test } from 'tap'
import { buildApp, PASSWORD, type TestApp } from './app.js'
import type { TestDatabase } from './databases.js'

export const loginKinds = ['built-in authenticate', 'authenticate without the database'] as const
export type LoginKind = typeof loginKinds[number]

export const loginBody = { username: 'a@example.com', password: PASSWORD }

export async function outageApp (t: Test, direct: TestDatabase, db: unknown, loginWith: LoginKind): Promise<{ app: TestApp['app'], token: string }> {
  let userId = ''
  const { app, addUser, login } = await buildApp(t, {
    tdb: { ...direct, db },
    plugin: loginWith === loginKinds[0]
      ? {}
      : {
          maxTokensPerUser: 10,
          authenticate: ({ username, password }) => username === loginBody.username && password === loginBody.password ? { id: userId } : null
        }
  })
  userId = await addUser({ email: loginBody.username })
  return { app, token: await login(loginBody.username) }
}
