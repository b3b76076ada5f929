import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import { openDatabase } from './helpers/databases.js'
import { buildApp } from './helpers/app.js'
import { addQuickUser } from './helpers/quick-user.js'

t.test('x', async (t) => {
  const tdb = await openDatabase('mysql')
  t.teardown(() => tdb.close())
  const built = await buildApp(t, { dialect: 'mysql', tdb, plugin: { maxTokensPerUser: 2 } })
  const id = await addQuickUser(built, 'a@example.com')
  await tdb.query('create table ballast (n int)')
  const other = await mysql.createConnection(tdb.url as string)
  t.teardown(() => other.end())
  await other.query('begin')
  await other.query('insert into ballast (n) values ?', [Array.from({ length: 100 }, (_, n) => [n])])
  console.log(await other.query('explain select token from access_token where user_id = ? for update', [id]).then(r => r[0]))
  await other.query('select token from access_token where user_id = ? for update', [id])
  const issuing = built.app.accessTokens.issue(id).then(() => 'issued', (e) => 'failed ' + e.cause?.message)
  await sleep(500)
  console.log(await tdb.query('select trx_id, trx_state, trx_query from information_schema.innodb_trx'))
  console.log(await tdb.query('show processlist'))
  await other.query('rollback')
  console.log(await issuing)
})
