// What the README's code blocks take as given: an app, a database, route
// handlers and lookups of the application's own. scripts/readme-snippets.mjs
// imports into each block the names it uses and does not declare itself.
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { defineAccessTokenTable } from 'fastify-access-tokens/sqlite'

export { default as Fastify } from 'fastify'
export { default as accessTokens, createUser } from 'fastify-access-tokens'

export declare const app: FastifyInstance
export declare const db: BetterSQLite3Database

// The user table with integer ids of the README's recipe, and its token table.
export const accounts = sqliteTable('account', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  hashedPassword: text('hashed_password').notNull(),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true)
})
export const accountTokens = defineAccessTokenTable(accounts.id, { name: 'account_token' })

// Credentials from a request body.
export declare const email: string
export declare const password: string

// Route handlers and checks of the application.
export declare const handler: RouteHandlerMethod
export declare const home: RouteHandlerMethod
export declare const listNotes: RouteHandlerMethod
export declare const addNote: RouteHandlerMethod
export declare const listReports: RouteHandlerMethod
export declare const deleteUser: RouteHandlerMethod
export declare const changePassword: RouteHandlerMethod
export declare function fromOffice (request: FastifyRequest): Promise<void>

// Users kept elsewhere than in the plugin's table.
interface Account { id: number, name: string, passwordHash: string, locked: boolean }
export declare function findAccountByEmail (email: string): Promise<Account | undefined>
export declare function findAccountById (id: unknown): Promise<Account | undefined>
