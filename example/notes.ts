// The demo's own data: short notes, one list per user. A protected route
// that changes state, the kind a cross-site request would like to reach.
import type Database from 'better-sqlite3'
import { desc, eq } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import type { FastifyInstance } from 'fastify'
import { users } from '../lib/schema/sqlite.js'

export const notes = sqliteTable('note', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  text: text('text').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
})

/** The demo keeps its one table simple: created when missing. */
export function createNotesTable (sqlite: Database.Database): void {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS note (
    id integer PRIMARY KEY AUTOINCREMENT,
    user_id text NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    text text NOT NULL,
    created_at integer NOT NULL
  );
  CREATE INDEX IF NOT EXISTS note_user_id_idx ON note (user_id)`)
}

const note = {
  type: 'object',
  properties: { id: { type: 'integer' }, text: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } }
} as const

export async function notesRoutes (app: FastifyInstance, { db }: { db: BetterSQLite3Database }): Promise<void> {
  // `config: { auth }` is all a route needs: the plugin attaches the hook.
  // A login may do anything; an API key only what its scopes allow.
  app.get('/notes', {
    config: { auth: { scopes: ['notes:read'] } },
    schema: { response: { 200: { type: 'array', items: note } } }
  }, async function listNotes (request) {
    return db.select({ id: notes.id, text: notes.text, createdAt: notes.createdAt })
      .from(notes)
      .where(eq(notes.userId, request.user!.id))
      .orderBy(desc(notes.id))
      .limit(50)
      .all()
  })

  app.post<{ Body: { text: string } }>('/notes', {
    config: { auth: { scopes: ['notes:write'] } },
    schema: {
      body: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 500 } } },
      response: { 201: note }
    }
  }, async function addNote (request, reply) {
    const [created] = db.insert(notes)
      .values({ userId: request.user!.id, text: request.body.text, createdAt: new Date() })
      .returning({ id: notes.id, text: notes.text, createdAt: notes.createdAt })
      .all()
    return reply.code(201).send(created)
  })
}
