import { and, desc, eq, ne, notInArray, sql, type SQL } from 'drizzle-orm'
import type { AnyDatabase, AnyQuery, TokenInsert } from './types.js'

/**
 * The owner's tokens to keep besides the new one: the newest `keep - 1`.
 * The new token is excluded and kept explicitly, so a tie on created_at can
 * never drop the token just issued.
 */
export function newestOthers (db: AnyDatabase, insert: TokenInsert): AnyQuery {
  return db.select({ token: insert.token }).from(insert.table)
    .where(and(eq(insert.userId, insert.ownerId), ne(insert.token, insert.digest), insert.counted))
    .orderBy(desc(insert.createdAt), desc(insert.token))
    .limit((insert.keep as number) - 1)
}

/** Every token of the owner but the new one and `kept`. */
function allBut (insert: TokenInsert, kept: AnyQuery | string[]): SQL {
  return and(
    eq(insert.userId, insert.ownerId),
    ne(insert.token, insert.digest),
    insert.counted,
    // drizzle-orm's notInArray takes a subquery or a list of values.
    notInArray(insert.token, kept as string[])
  )!
}

/** The delete that removes every token of the owner but the new one and `kept`. */
export function deleteAllBut (db: AnyDatabase, insert: TokenInsert, kept: AnyQuery): AnyQuery {
  return db.delete(insert.table).where(allBut(insert, kept))
}

/** The tokens deleteAllBut would remove, in a column named `token` whatever the table names it. */
export function selectAllBut (db: AnyDatabase, insert: TokenInsert, kept: AnyQuery): AnyQuery {
  return db.select({ token: sql`${insert.token}`.as('token') }).from(insert.table).where(allBut(insert, kept))
}

/** Up to `keep` of the owner's counted tokens: as many as `keep` means the limit is reached. */
export function countedTokens (db: AnyDatabase, insert: TokenInsert): AnyQuery {
  return db.select({ token: insert.token }).from(insert.table)
    .where(and(eq(insert.userId, insert.ownerId), insert.counted))
    .limit(insert.keep as number)
}

/**
 * Takes the new row out again when the owner now has more than `keep`
 * counted rows: a refusal at the limit for drivers that run the statements
 * of a transaction without reading an answer in between (libSQL's batch).
 */
export function refuseOverLimit (db: AnyDatabase, insert: TokenInsert): AnyQuery {
  const counted = db.select({ count: sql`count(*)` }).from(insert.table)
    .where(and(eq(insert.userId, insert.ownerId), insert.counted))
  return db.delete(insert.table).where(and(eq(insert.token, insert.digest), sql`(${counted}) > ${insert.keep}`))
}
