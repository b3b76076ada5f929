import type { Column } from 'drizzle-orm'

/** A selected field, as a Drizzle prepared query lists them: its path in the result object and its column. */
export interface SelectedField {
  path: string[]
  /** The column; only its mapping of driver values is used. */
  field: Pick<Column, 'mapFromDriverValue'>
}

/**
 * Turns driver rows (arrays, in the order of the selected fields) into the
 * objects Drizzle returns, for a select of plain columns at most one level
 * deep over inner joins: the store's selects. Drizzle maps every row by
 * walking the fields generically, which costs about as much as SQLite's whole
 * token lookup; this walk is done once, when the statement is prepared.
 */
export function rowMapper<Row> (fields: SelectedField[]): (rows: unknown[][]) => Row[] {
  const selected = fields.map(({ path, field }) => ({ outer: path[0], inner: path[1], column: field }))
  const width = selected.length
  return function toRows (rows) {
    return rows.map((row) => {
      const result: Record<string, unknown> = {}
      for (let i = 0; i < width; i++) {
        const { outer, inner, column } = selected[i]
        const value = row[i] === null ? null : column.mapFromDriverValue(row[i])
        if (inner === undefined) result[outer] = value
        else ((result[outer] ??= {}) as Record<string, unknown>)[inner] = value
      }
      return result as Row
    })
  }
}
