// The query builders of a Drizzle database, as the plugin uses them: each
// supported driver's database is one, on Drizzle 0.45 and 1.x alike, and so
// is the transaction of each PostgreSQL and MySQL driver. The compiler
// checks it where a database becomes a dialect (dialectFor in index.ts),
// and CI type-checks on both versions. (A SQLite driver's transaction and
// libSQL's batch are the drivers' own assertions.) No single
// Drizzle type describes them: the builders are overloaded per dialect, and
// their classes differ between Drizzle's versions. These interfaces name
// only Drizzle's own types, and only the calls made.
import type { Column, SQL, SQLWrapper, Subquery, Table, View } from 'drizzle-orm'

/** A statement built, not yet run. Every Drizzle builder can say its SQL. */
interface Built {
  toSQL(): { sql: string, params: unknown[] }
}

/** An insert, update or delete built: a driver runs it (awaited, it runs on the database's driver). */
export interface Query extends Built, PromiseLike<unknown> {}

/** A select built: run, it gives rows; it can be a subquery of another statement. */
export interface SelectQuery extends Built, SQLWrapper, PromiseLike<unknown[]> {}

/** What a select reads from: a table, or SQL (a table-valued function). */
export type Source = Table | SQL | Subquery | View

/** What a select returns: columns or SQL by name, one level deep (a token and its user). */
export type Fields = Record<string, Column | SQL | SQL.Aliased | Record<string, Column>>

// A select step by step, as Drizzle allows each step once.
interface Ordered extends SelectQuery {
  limit(count: number): SelectQuery
}
interface Filtered extends SelectQuery {
  orderBy(...order: SQL[]): Ordered
  limit(count: number): SelectQuery
}
interface Joined extends SelectQuery {
  where(condition: SQL | undefined): SelectQuery
}
interface From extends SelectQuery {
  innerJoin(table: Source, on: SQL): Joined
  where(condition: SQL | undefined): Filtered
  limit(count: number): SelectQuery
}

/** The builders the code of every dialect uses. */
export interface QueryBuilder {
  select(fields: Fields): { from(source: Source): From }
  insert(table: Table): { values(values: Record<string, unknown>): Query }
  update(table: Table): { set(values: Record<string, unknown>): { where(condition: SQL | undefined): Query } }
  delete(table: Table): { where(condition: SQL | undefined): Query }
}

/** SQLite: an insert of a select's rows (the revocation log). */
export interface SQLiteQueryBuilder extends QueryBuilder {
  insert(table: Table): { values(values: Record<string, unknown>): Query, select(query: SQL): Query }
}

/** A delete that returns what it deleted (PostgreSQL): rows when run, or a subquery. */
interface Returning extends SelectQuery {}

/** PostgreSQL: raw SQL (advisory locks, notifications), and deletes that return rows. */
export interface PgQueryBuilder extends QueryBuilder {
  execute(query: SQL): PromiseLike<unknown>
  delete(table: Table): { where(condition: SQL | undefined): Query & { returning(fields: Fields): Returning } }
}

// MySQL: the select of a transaction that locks the rows it reads.
interface MySqlOrdered extends Ordered {
  for(strength: 'update'): SelectQuery
}
interface MySqlFiltered extends Filtered {
  orderBy(...order: SQL[]): MySqlOrdered
}
interface MySqlFrom extends From {
  where(condition: SQL | undefined): MySqlFiltered
}

/** MySQL: raw SQL (named locks), and locking reads. */
export interface MySqlQueryBuilder extends QueryBuilder {
  execute(query: SQL): PromiseLike<unknown>
  select(fields: Fields): { from(source: Source): MySqlFrom }
}
