import { createHash } from 'node:crypto'
import { and, desc, eq, is, sql } from 'drizzle-orm'
import { MySqlTable } from 'drizzle-orm/mysql-core'
import { driverError, type DrizzleTable, type MySqlDatabase, type MySqlDialect, type MySqlDriver, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/mysql.js'
import { deleteAllBut } from './trim.js'
import { retry } from './retry.js'

/** InnoDB resolves a deadlock by rolling one transaction back; it is safe to run again. */
function isDeadlock (error: unknown): boolean {
  return driverError(error).code === 'ER_LOCK_DEADLOCK'
}

/** How long a login waits for the other logins of its user before going ahead on row locks alone. */
const LOCK_WAIT_SECONDS = 10

/**
 * The name of a user's login lock. MySQL names are at most 64 characters,
 * so the owner (of any id type and length) is hashed.
 */
function lockName (insert: TokenInsert): string {
  const owner = createHash('sha256').update(String(insert.ownerId)).digest('base64url')
  return `access-tokens:${owner}`
}

/** MySQL: named and row locks for the per-user limit, no LIMIT inside IN (...). */
export function mysqlDialect (db: MySqlDatabase, driver: MySqlDriver): MySqlDialect {
  const transaction = driver.transaction
  return {
    name: 'mysql',
    driver: driver.name,
    db,
    prepare: (query, name) => driver.prepare(db, query, name),
    all: (query) => driver.all(query),
    write: (query) => driver.write(query),
    async insertToken (insert: TokenInsert) {
      if (insert.keep === null) {
        await driver.write(db.insert(insert.table).values(insert.values))
        return true
      }
      const keep = insert.keep
      const lock = lockName(insert)
      let inserted = false
      await retry(() => transaction(db, async (tx) => {
        inserted = false
        // Concurrent logins of one user first queue on a named lock, as on
        // PostgreSQL's advisory lock: the locking read below alone lets
        // those of a user without tokens share the index gap, and many
        // logins at once then deadlock again and again. The lock only
        // orders them; should the wait time out, the locking read and the
        // deadlock retry still keep the limit.
        await tx.execute(sql`select get_lock(${lock}, ${LOCK_WAIT_SECONDS})`)
        try {
          // Locking the owner's rows makes each login count what the others
          // committed, even the one that released the named lock just before
          // its commit.
          const owned = await tx.select({ token: insert.token }).from(insert.table)
            .where(and(eq(insert.userId, insert.ownerId), insert.counted))
            .orderBy(desc(insert.createdAt), desc(insert.token))
            .for('update') as Array<{ token: string }>
          if (insert.atLimit === 'refuse' && owned.length >= keep) return
          await tx.insert(insert.table).values(insert.values)
          // MySQL refuses LIMIT inside IN (...): the rows to keep come from the
          // locked read above instead.
          if (insert.atLimit !== 'refuse') {
            await deleteAllBut(tx, insert, owned.slice(0, keep - 1).map((row) => row.token))
            // No RETURNING here: the evicted are the locked rows not kept,
            // which no other transaction could take meanwhile.
            const evicted = owned.slice(keep - 1).map((row) => row.token)
            if (evicted.length > 0) await insert.publish?.(tx, evicted)
          }
          inserted = true
        } finally {
          // A named lock belongs to the connection, which goes back to the
          // pool: release it whatever happened.
          await tx.execute(sql`select release_lock(${lock})`)
        }
      }), isDeadlock, 5)
      return inserted
    },
    isUniqueViolation (error: unknown) {
      return driverError(error).code === 'ER_DUP_ENTRY'
    },
    ownsTable (table: DrizzleTable) {
      return is(table, MySqlTable)
    },
    defaults: { userTable: users, tokenTable: accessTokens },
    migrate: (folder, table) => driver.migrate(db, folder, table),
    async boundedPool (ms) {
      const pooled = await driver.boundedPool(db, ms)
      return pooled == null ? null : { ...mysqlDialect(pooled.db, driver), close: async () => pooled.close() }
    },
    close: async () => {}
  }
}
