// The token table's user_id must have exactly the SQL type of the user id it
// references (MySQL refuses a foreign key between int and int unsigned, for
// example). Auto-increment types describe how ids are made, not what they
// are, so a reference to one uses the plain type underneath: each schema
// file passes its dialect's map of them.
export type AutoIncrementTypes = Record<string, string>

export interface ReferencedColumn {
  getSQLType(): string
  mapToDriverValue(value: unknown): unknown
  mapFromDriverValue(value: unknown): unknown
}

/** The SQL type a column referencing `column` must have. */
export function referencingSqlType (column: ReferencedColumn, autoIncrement: AutoIncrementTypes): string {
  const type = column.getSQLType()
  return Object.hasOwn(autoIncrement, type) ? autoIncrement[type] : type
}

/** customType hooks that convert values exactly as the referenced column does. */
export function sameValuesAs (column: ReferencedColumn, autoIncrement: AutoIncrementTypes): {
  dataType: () => string
  toDriver: (value: unknown) => unknown
  fromDriver: (value: unknown) => unknown
} {
  const sqlType = referencingSqlType(column, autoIncrement)
  return {
    dataType: () => sqlType,
    toDriver: (value) => column.mapToDriverValue(value),
    fromDriver: (value) => column.mapFromDriverValue(value)
  }
}

/** Index names are global in PostgreSQL and SQLite, so they carry the table name. */
export function indexName (table: string, column: string): string {
  return `${table}_${column}_idx`
}
