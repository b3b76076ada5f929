import { fillPlaceholders } from 'drizzle-orm'
import type { Select } from '../types.js'
import { rowMapper, type SelectedField } from '../rows.js'
import { publicSelect, syncSqliteDriver } from './sync-sqlite.js'

/**
 * The parts of a Drizzle 0.45 better-sqlite3 prepared query the fast path
 * reads: not Drizzle's public API, pinned by test/drizzle-internals.test.ts.
 * Drizzle 1.x keeps the statement inside closures: it has no such parts, and
 * its own prepared query (with a compiled row mapper) is used instead.
 */
export interface FastPathParts {
  stmt: { raw(toggle: boolean): { all(...params: unknown[]): unknown[] } }
  fields: SelectedField[]
  query: { sql: string, params: unknown[] }
  logger: { logQuery(sql: string, params: unknown[]): void }
}

/** Whether a prepared query has the parts the fast path reads. */
export function fastPathParts (prepared: object | null | undefined): prepared is FastPathParts {
  const parts = prepared as Partial<FastPathParts> | null | undefined
  return typeof parts?.stmt?.raw === 'function' && Array.isArray(parts.fields) &&
    typeof parts.query?.sql === 'string' && typeof parts.logger?.logQuery === 'function'
}

/**
 * Runs a prepared select through better-sqlite3 in raw (array) mode, mapped
 * by `rowMapper`. Drizzle's logger, when one is set, still sees each query.
 */
export function directSelect<Row> (prepared: FastPathParts): Select<Row> {
  const { sql, params } = prepared.query
  const logger = prepared.logger
  const statement = prepared.stmt.raw(true)
  const toRows = rowMapper<Row>(prepared.fields)
  return function select (values) {
    const bound = fillPlaceholders(params, values)
    logger.logQuery(sql, bound)
    // Raw mode: each row an array.
    return toRows(statement.all(...bound) as unknown[][])
  }
}

/** better-sqlite3: the embedded default. */
export const betterSqlite3 = syncSqliteDriver('better-sqlite3', 'BetterSQLite3Database', (prepared) =>
  fastPathParts(prepared) ? directSelect(prepared) : publicSelect(prepared))
