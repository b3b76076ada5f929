import { sql, type SQL } from 'drizzle-orm'
import type { DrizzleTable, PgQueryBuilder } from '../dialects/types.js'
import { encode, type RevocationEvent } from './events.js'
import type { Publisher } from './types.js'

/** The notification channel of every instance on one PostgreSQL database. */
export const CHANNEL = 'access_tokens_revocations'

function notify (event: RevocationEvent): SQL {
  return sql`select pg_notify(${CHANNEL}, ${encode(event)})`
}

/** Rows of a raw query, as node-postgres and PGlite (`{ rows }`) or postgres.js (an array) return them. */
function rowsOf<Row> (result: unknown): Row[] {
  return Array.isArray(result) ? result : (result as { rows: Row[] }).rows
}

/**
 * PostgreSQL delivers a notification when, and only when, the transaction
 * that sent it commits. One statement is a transaction of its own: the
 * delete and its notification go out together, in one round trip, with no
 * transaction to hold a pooled connection open. Written with Drizzle's
 * `execute`, so any PostgreSQL driver runs it.
 */
export function pgPublisher (db: PgQueryBuilder): Publisher {
  return {
    async revoke (table: DrizzleTable, where: SQL, event: RevocationEvent) {
      const deleted = db.delete(table).where(where).returning({ one: sql`1` })
      // The CTE runs once whatever refers to it; `limit 1` sends one notice.
      const result = await db.execute(sql`with deleted as (${deleted.getSQL()})
        select (select count(*) from deleted)::int as n,
          (select count(*) from (select pg_notify(${CHANNEL}, ${encode(event)}) from deleted limit 1) as sent)::int as sent`)
      return Number(rowsOf<{ n: unknown }>(result)[0].n)
    },
    async publish (event: RevocationEvent) {
      await db.execute(notify(event))
    },
    within (tx: PgQueryBuilder, event: RevocationEvent) {
      return tx.execute(notify(event))
    }
  }
}
