import type { QueryBuilder } from '../types.js'

interface Migrator {
  migrate(db: QueryBuilder, config: { migrationsFolder: string, migrationsTable: string }): unknown
}

/**
 * Applies a migrations folder with the migrator Drizzle ships for a driver,
 * `drizzle-orm/<driver>/migrator`. Loaded only when asked: a package serving
 * SQLite users must not need pg, and the module name is a variable so that a
 * driver only one Drizzle version has (node:sqlite) still type-checks on the other.
 */
export async function migrateWith (driver: string, db: QueryBuilder, migrationsFolder: string, migrationsTable: string): Promise<void> {
  const module: string = `drizzle-orm/${driver}/migrator`
  const { migrate } = await import(module) as Migrator
  await migrate(db, { migrationsFolder, migrationsTable })
}
