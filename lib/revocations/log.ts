import { asc, gt, inArray, lt, max, or, sql, type SQL } from 'drizzle-orm'
import type { DrizzleTable, MySqlDatabase, MySqlDriver, MySqlQueryBuilder, QueryBuilder, SelectQuery, SQLiteDatabase, SQLiteDriver, SQLiteQueryBuilder } from '../dialects/types.js'
import { decode, encode, KEY_LENGTH, type RevocationEvent } from './events.js'
import type { LogTable } from './tables.js'
import type { Publisher } from './types.js'

function logRow (event: RevocationEvent): { createdAt: Date, subject: string } {
  return { createdAt: new Date(), subject: encode(event) }
}

/**
 * SQLite: the driver runs the statements atomically, the write lock taken
 * at the start, without reading an answer in between (libSQL's batch). So
 * the log row is written first, when some row matches, and the delete
 * follows in the same transaction.
 */
export function sqliteLogPublisher (db: SQLiteDatabase, log: LogTable, driver: SQLiteDriver): Publisher {
  const atomically = driver.atomically
  return {
    async revoke (table: DrizzleTable, where: SQL, event: RevocationEvent) {
      const row = logRow(event)
      // The id is left to AUTOINCREMENT (null).
      const [, deleted] = await atomically(db, (tx) => [
        tx.insert(log).select(sql`select null, ${row.createdAt.getTime()}, ${row.subject}
          where exists (${tx.select({ one: sql`1` }).from(table).where(where).getSQL()})`),
        tx.delete(table).where(where)
      ])
      return deleted
    },
    async publish (event: RevocationEvent) {
      await driver.write(db.insert(log).values(logRow(event)))
    },
    selected (tx: SQLiteQueryBuilder, evicted: SelectQuery) {
      // One row naming every evicted token (column "token" of `evicted`),
      // none when there is none.
      return tx.insert(log).select(sql`select null, ${Date.now()}, subject from
        (select group_concat(substr("token", 1, ${KEY_LENGTH}), ' ') as subject from (${evicted.getSQL()}) as evicted)
        where subject is not null`)
    }
  }
}

/** mysql2: an ordinary transaction on a pooled connection. */
export function mysqlLogPublisher (db: MySqlDatabase, log: LogTable, driver: MySqlDriver): Publisher {
  const transaction = driver.transaction
  return {
    async revoke (table: DrizzleTable, where: SQL, event: RevocationEvent) {
      let deleted = 0
      await transaction(db, async (tx) => {
        deleted = await driver.write(tx.delete(table).where(where))
        if (deleted > 0) await tx.insert(log).values(logRow(event))
      })
      return deleted
    },
    async publish (event: RevocationEvent) {
      await db.insert(log).values(logRow(event))
    },
    within (tx: MySqlQueryBuilder, event: RevocationEvent) {
      return tx.insert(log).values(logRow(event))
    }
  }
}

/** Rows read per query; a longer backlog is read in several. */
const READ_BATCH = 500
/**
 * How long an id skipped over is waited for. An id is taken when a
 * transaction inserts, and becomes visible when it commits: a row may show
 * up after higher ids were read. A transaction of the store ends within
 * storeTimeoutMs; ids of rolled-back transactions never show up at all.
 */
const GAP_WAIT_MS = 60_000
/** Holes tracked at most; beyond, the reader gives up on them and the cache is dropped instead. */
const MAX_GAPS = 10_000

export interface LogRead {
  /** The events read, oldest first. */
  events: RevocationEvent[]
  /** Holes were given up on: some event may have been missed. */
  missed: boolean
}

/**
 * Reads the log in id order, with one indexed query: the ids above the
 * highest seen, and the holes below it that may still be filled.
 */
export class LogReader {
  readonly #db: QueryBuilder
  readonly #log: LogTable
  #last = 0
  /** Ids skipped over, and when they were first missed (Date.now()). */
  readonly #gaps = new Map<number, number>()

  readonly #gapWaitMs: number
  readonly #maxGaps: number

  constructor (db: QueryBuilder, log: LogTable, limits: { gapWaitMs?: number, maxGaps?: number } = {}) {
    this.#db = db
    this.#log = log
    this.#gapWaitMs = limits.gapWaitMs ?? GAP_WAIT_MS
    this.#maxGaps = limits.maxGaps ?? MAX_GAPS
  }

  /** Starts after the newest row: what was logged before, no cache of this instance holds. */
  async begin (): Promise<void> {
    const rows = await this.#db.select({ last: max(this.#log.id) }).from(this.#log) as Array<{ last: number | null }>
    this.#last = Number(rows[0]?.last ?? 0)
    this.#gaps.clear()
  }

  async read (): Promise<LogRead> {
    const events: RevocationEvent[] = []
    let missed = false
    const now = Date.now()
    for (const [id, since] of this.#gaps) {
      if (now - since > this.#gapWaitMs) this.#gaps.delete(id)
    }
    for (;;) {
      const newer = gt(this.#log.id, this.#last)
      const where = this.#gaps.size === 0 ? newer : or(newer, inArray(this.#log.id, [...this.#gaps.keys()]))
      const rows = await this.#db
        .select({ id: this.#log.id, subject: this.#log.subject })
        .from(this.#log).where(where).orderBy(asc(this.#log.id)).limit(READ_BATCH) as Array<{ id: number, subject: string }>
      for (const row of rows) {
        const id = Number(row.id)
        events.push(decode(row.subject))
        if (this.#gaps.delete(id)) continue
        for (let hole = this.#last + 1; hole < id; hole++) {
          if (this.#gaps.size >= this.#maxGaps) {
            missed = true
            break
          }
          this.#gaps.set(hole, now)
        }
        this.#last = Math.max(this.#last, id)
      }
      if (rows.length < READ_BATCH) break
    }
    return { events, missed }
  }

  /** Deletes rows older than `ageMs`: every reader has read them long ago. */
  async prune (ageMs: number): Promise<void> {
    await this.#db.delete(this.#log).where(lt(this.#log.createdAt, new Date(Date.now() - ageMs)))
  }
}
