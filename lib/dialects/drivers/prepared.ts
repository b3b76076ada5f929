import type { Select, SelectQuery } from '../types.js'

/** A select of a PostgreSQL or MySQL driver: Drizzle prepares it (under a name on PostgreSQL), then runs it with values. */
export interface Prepares {
  prepare(name?: string): { execute(values: Record<string, unknown>): Promise<unknown[]> }
}

/**
 * Drizzle's own prepared query, as it is: prepared once, at registration,
 * and run with the values of its placeholders.
 */
export function drizzlePrepared<Row> (query: SelectQuery, name?: string): Select<Row> {
  const prepared = (query as SelectQuery & Prepares).prepare(name)
  return async (values) => prepared.execute(values) as Promise<Row[]>
}
