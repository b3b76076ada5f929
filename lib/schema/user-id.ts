// The token table's user_id must have exactly the SQL type of the user id it
// references (MySQL refuses a foreign key between int and int unsigned, for
// example). Auto-increment types describe how ids are made, not what they
// are, so a reference to one uses the plain type underneath: each schema
// file passes its dialect's map of them.
export type AutoIncrementTypes = Record<string, string>

/**
 * A column a user id can be. `Codec` is Drizzle 1.x's name for the
 * conversions a driver applies to its values ('bigserial:number',
 * 'serial'...): each dialect has its own list of names, and Drizzle 0.45
 * none, so it is the column's own type.
 */
export interface ReferencedColumn<Codec> {
  getSQLType(): string
  mapToDriverValue(value: unknown): unknown
  mapFromDriverValue(value: unknown): unknown
  /** Drizzle 1.x only; see sameValuesAs. */
  codec?: Codec
}

/** The SQL type a column referencing `column` must have. */
export function referencingSqlType (column: ReferencedColumn<unknown>, autoIncrement: AutoIncrementTypes): string {
  const type = column.getSQLType()
  return Object.hasOwn(autoIncrement, type) ? autoIncrement[type] : type
}

/**
 * customType parameters that convert values exactly as the referenced column
 * does. Drizzle 0.45 converts in the column's mapFromDriverValue and
 * mapToDriverValue. Drizzle 1.x moved the conversions that depend on the
 * driver into the driver, which picks them by the column's codec: its
 * bigserial and bigint columns have no mapFromDriverValue of their own, and
 * node-postgres' string '42' becomes 42 only through the codec
 * 'bigserial:number'. So the codec is passed on too; Drizzle 0.45 has none
 * (undefined here) and its customType ignores the parameter.
 */
export function sameValuesAs<Codec> (column: ReferencedColumn<Codec>, autoIncrement: AutoIncrementTypes): {
  dataType: () => string
  toDriver: (value: unknown) => unknown
  fromDriver: (value: unknown) => unknown
  codec: Codec | undefined
} {
  const sqlType = referencingSqlType(column, autoIncrement)
  return {
    dataType: () => sqlType,
    toDriver: (value) => column.mapToDriverValue(value),
    fromDriver: (value) => column.mapFromDriverValue(value),
    codec: column.codec
  }
}

/** Index names are global in PostgreSQL and SQLite, so they carry the table name. */
export function indexName (table: string, column: string): string {
  return `${table}_${column}_idx`
}
