// The token table's user_id must have exactly the SQL type of the user id it
// references (MySQL refuses a foreign key between int and int unsigned, for
// example). Auto-increment types describe how ids are made, not what they
// are, so a reference to one uses the plain type underneath.
const AUTO_INCREMENT_TYPES: Record<string, string> = {
  serial: 'integer',
  smallserial: 'smallint',
  bigserial: 'bigint'
}
const MYSQL_AUTO_INCREMENT_TYPES: Record<string, string> = {
  serial: 'bigint unsigned'
}

export interface ReferencedColumn {
  getSQLType(): string
  mapToDriverValue(value: unknown): unknown
  mapFromDriverValue(value: unknown): unknown
}

/** The SQL type a column referencing `column` must have, in `dialect`. */
export function referencingSqlType (column: ReferencedColumn, dialect: 'sqlite' | 'pg' | 'mysql'): string {
  const type = column.getSQLType()
  const table = dialect === 'mysql' ? MYSQL_AUTO_INCREMENT_TYPES : AUTO_INCREMENT_TYPES
  return table[type] ?? type
}

/** customType hooks that convert values exactly as the referenced column does. */
export function sameValuesAs (column: ReferencedColumn, dialect: 'sqlite' | 'pg' | 'mysql'): {
  dataType: () => string
  toDriver: (value: unknown) => unknown
  fromDriver: (value: unknown) => unknown
} {
  const sqlType = referencingSqlType(column, dialect)
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
