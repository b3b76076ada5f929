import { and, desc, eq, ne, notInArray, sql, type SQL } from 'drizzle-orm'
import type { Query, QueryBuilder, SelectQuery, TokenInsert } from './types.js'

/**
 * The owner's tokens to keep besides the new one: the newest `keep - 1`.
 * The new token is excluded and kept explicitly, so a tie on created_at can
 * never drop the token just issued.
 */
export function newestOthers (db: QueryBuilder, insert: TokenInsert): SelectQuery {
  return db.select({ token: insert.token }).from(insert.table)
    .where(and(eq(insert.userId, insert.ownerId), ne(insert.token, insert.digest), insert.counted))
    .orderBy(desc(insert.createdAt), desc(insert.token))
    .limit((insert.keep as number) - 1)
}

/** Every token of the owner but the new one and `kept` (a select of tokens, or tokens). */
export function allBut (insert: TokenInsert, kept: SelectQuery | string[]): SQL {
  return and(
    eq(insert.userId, insert.ownerId),
    ne(insert.token, insert.digest),
    insert.counted,
    notInArray(insert.token, kept)
  )!
}

/** The delete that removes every token of the owner but the new one and `kept`. */
export function deleteAllBut (db: QueryBuilder, insert: TokenInsert, kept: SelectQuery | string[]): Query {
  return db.delete(insert.table).where(allBut(insert, kept))
}

/** The tokens deleteAllBut would remove, in a column named `token` whatever the table names it. */
export function selectAllBut (db: QueryBuilder, insert: TokenInsert, kept: SelectQuery): SelectQuery {
  return db.select({ token: sql`${insert.token}`.as('token') }).from(insert.table).where(allBut(insert, kept))
}

/** Up to `keep` of the owner's counted tokens: as many as `keep` means the limit is reached. */
export function countedTokens (db: QueryBuilder, insert: TokenInsert): SelectQuery {
  return db.select({ token: insert.token }).from(insert.table)
    .where(and(eq(insert.userId, insert.ownerId), insert.counted))
    .limit(insert.keep as number)
}

/**
 * Takes the new row out again when the owner now has more than `keep`
 * counted rows: a refusal at the limit for drivers that run the statements
 * of a transaction without reading an answer in between (libSQL's batch).
 */
export function refuseOverLimit (db: QueryBuilder, insert: TokenInsert): Query {
  const counted = db.select({ count: sql`count(*)` }).from(insert.table)
    .where(and(eq(insert.userId, insert.ownerId), insert.counted))
  return db.delete(insert.table).where(and(eq(insert.token, insert.digest), sql`(${counted}) > ${insert.keep}`))
}
