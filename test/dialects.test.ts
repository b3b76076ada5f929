// What differs per database, seen from the dialect layer itself.
import t from 'tap'
import { drizzle as pgProxy } from 'drizzle-orm/pg-proxy'
import { drizzle as mysqlProxy } from 'drizzle-orm/mysql-proxy'
import { sql } from 'drizzle-orm'
import { drizzle as sqliteProxy } from 'drizzle-orm/sqlite-proxy'
import { dialectOf } from '../lib/dialects/index.js'
import { dialects, openDatabase } from './helpers/databases.js'

for (const dialect of dialects) {
  t.test(`${dialect}: the dialect is recognised and counts the rows a write touched`, async (t) => {
    const tdb = await openDatabase(dialect)
    t.teardown(() => tdb.close())
    const found = dialectOf(tdb.db)
    t.equal(found?.name, dialect)
    t.ok(found?.ownsTable(tdb.schema.accessTokens))
    t.equal(await found!.write(tdb.db.delete(tdb.schema.accessTokens)), 0, 'nothing to delete')
  })
}

if (dialects.includes('pg')) {
  t.test('pg: a statement without a row count counts as 0 rows', async (t) => {
    const tdb = await openDatabase('pg', { migrated: false })
    t.teardown(() => tdb.close())
    // SET answers without a row count (node-postgres: rowCount null).
    t.equal(await dialectOf(tdb.db)!.write(tdb.db.execute(sql`set statement_timeout = 0`)), 0)
  })
}

t.test('an asynchronous SQLite driver is not one of ours', async (t) => {
  // Its transactions are not the synchronous ones the SQLite dialect relies on.
  const db = sqliteProxy(async () => ({ rows: [] }))
  t.equal(dialectOf(db), null)
  for (const value of [null, undefined, 'db', 42, {}, () => {}]) t.equal(dialectOf(value), null)
})

t.test('other drivers of the same databases are not ours', async (t) => {
  // They prepare and run queries in ways the dialects were not written for.
  t.equal(dialectOf(pgProxy(async () => ({ rows: [] }))), null)
  t.equal(dialectOf(mysqlProxy(async () => ({ rows: [] }))), null)
})
