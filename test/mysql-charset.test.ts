// The MySQL tables are utf8mb4 whatever the database's default character
// set: an email outside latin1 is stored and logs in on a latin1 database.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import { drizzle } from 'drizzle-orm/mysql2'
import { createUser, migrate } from '../index.js'
import { drivers } from './helpers/databases.js'
import { buildApp, bearer } from './helpers/app.js'

if (drivers.includes('mysql2')) {
  t.test('mysql: a latin1 database still takes any email', async (t) => {
    const adminUrl = process.env.TEST_MYSQL_URL as string
    const name = `fat_latin1_${process.pid}_${randomBytes(4).toString('hex')}`
    const admin = await mysql.createConnection(adminUrl)
    await admin.query(`create database ${name} character set latin1`)
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 4 })
    t.teardown(async () => {
      await pool.end()
      await admin.query(`drop database if exists ${name}`)
      await admin.end()
    })
    const db = drizzle({ client: pool })
    await migrate(db)
    const { app } = await buildApp(t, { tdb: { driver: 'mysql2', dialect: 'mysql', db, schema: {} as never, query: async () => [], url: null, close: async () => {} } })
    const user = await createUser(db, { email: 'Zoë.😀@example.com', password: 'a long enough password' })
    t.equal(user.email, 'zoë.😀@example.com')
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'zoë.😀@example.com', password: 'a long enough password' } })
    t.equal(login.statusCode, 200)
    const me = await app.inject({ url: '/me', headers: bearer(login.json().access_token) })
    t.equal(me.json().email, 'zoë.😀@example.com')
  })
}
