import { desc, eq, is } from 'drizzle-orm'
import { MySqlTable } from 'drizzle-orm/mysql-core'
import { driverError, type Dialect, type AnyDatabase, type AnyQuery, type AnyTable, type TokenInsert } from './types.js'
import { users, accessTokens } from '../schema/mysql.js'
import { deleteAllBut } from './trim.js'
import { retry } from './retry.js'

/** InnoDB resolves a deadlock by rolling one transaction back; it is safe to run again. */
function isDeadlock (error: unknown): boolean {
  return driverError(error).code === 'ER_LOCK_DEADLOCK'
}

/** mysql2: affectedRows for writes, row locks for the per-user limit, no LIMIT inside IN (...). */
export function mysqlDialect (db: AnyDatabase): Dialect {
  return {
    name: 'mysql',
    db,
    prepare (query: AnyQuery) {
      const prepared = query.prepare()
      return (values) => prepared.execute(values)
    },
    async all (query: AnyQuery) {
      return await query
    },
    async write (query: AnyQuery) {
      const [header] = await query
      return header.affectedRows
    },
    async insertToken (insert: TokenInsert) {
      if (insert.keep === null) {
        await db.insert(insert.table).values(insert.values)
        return
      }
      const keep = insert.keep
      await retry(() => db.transaction(async (tx: AnyDatabase) => {
        // Locking the owner's rows (and the index gap where new ones go)
        // first makes concurrent logins of one user take turns, so each
        // counts what the others committed. Two logins of a user without
        // tokens can deadlock on that gap; InnoDB rolls one back and it runs
        // again.
        const owned: Array<{ token: string }> = await tx.select({ token: insert.token }).from(insert.table)
          .where(eq(insert.userId, insert.ownerId))
          .orderBy(desc(insert.createdAt), desc(insert.token))
          .for('update')
        await tx.insert(insert.table).values(insert.values)
        // MySQL refuses LIMIT inside IN (...): the rows to keep come from the
        // locked read above instead.
        await deleteAllBut(tx, insert, owned.slice(0, keep - 1).map((row) => row.token))
      }), isDeadlock, 5)
    },
    isUniqueViolation (error: unknown) {
      return driverError(error).code === 'ER_DUP_ENTRY'
    },
    ownsTable (table: AnyTable) {
      return is(table, MySqlTable)
    },
    defaults: { users, accessTokens },
    async migrate (migrationsFolder, migrationsTable) {
      const { migrate } = await import('drizzle-orm/mysql2/migrator')
      await migrate(db, { migrationsFolder, migrationsTable })
    }
  }
}
