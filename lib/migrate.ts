import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { npmVersion } from 'drizzle-orm/version'
import { requireDialect } from './dialects/index.js'
import type { DrizzleDatabase } from './types.js'

/** Our own migrations table, so an application's migrations never shadow ours. */
export const MIGRATIONS_TABLE = '__access_tokens_migrations'

// drizzle/ sits at the package root: one level up from lib/ when running the
// sources, two from dist/lib/ when running the build.
const ROOTS = ['../drizzle/', '../../drizzle/'].map((root) => new URL(root, import.meta.url))

/**
 * Drizzle 0.x reads drizzle-kit 0.x folders (a journal in meta/); 1.x reads
 * one folder per migration and refuses the journal. drizzle/<dialect>/ holds
 * the first kind, drizzle/v1/<dialect>/ the same SQL in the second.
 */
export function migrationsLayout (drizzleVersion: string): string {
  return drizzleVersion.startsWith('0.') ? '' : 'v1/'
}

/**
 * Creates or updates the default tables of the database's dialect with the
 * migrations in drizzle/<dialect>/. Safe to run at every start.
 */
export async function migrate (database: DrizzleDatabase): Promise<void> {
  const dialect = requireDialect(database)
  const folder = ROOTS
    .map((root) => fileURLToPath(new URL(`${migrationsLayout(npmVersion)}${dialect.name}/`, root)))
    .find((candidate) => existsSync(candidate)) as string
  await dialect.migrate(folder, MIGRATIONS_TABLE)
}
