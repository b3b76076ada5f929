import { getTableColumns, type Column } from 'drizzle-orm'
import { INVALID_OPTION } from './errors.js'
import type { DrizzleTable } from './types.js'
import { FLAGS, readFlag, type Flag } from './flags.js'

// Tables are matched by SQL column names, so a user's own table may name its
// TypeScript properties as it likes.

/** The access-token table's columns the store uses; the optional ones may be missing. */
export interface TokenTable {
  table: DrizzleTable
  token: Column
  userId: Column
  createdAt: Column
  lastUsedAt: Column | null
  userAgent: Column | null
  ip: Column | null
  /** The API-key columns: all four, or null when any is missing (a table from before API keys). */
  apiKeys: { kind: Column, name: Column, scopes: Column, expiresAt: Column } | null
  /** The API-key columns the table lacks, by SQL name. */
  missingApiKeyColumns: string[]
  /** Property name of each column, to build rows for inserts and updates. */
  keys: Record<'token' | 'userId' | 'createdAt' | 'lastUsedAt' | 'userAgent' | 'ip' | 'kind' | 'name' | 'scopes' | 'expiresAt', string | null>
  /** The columns to select for a session, by property name. */
  selection: Record<string, Column>
}

/** The user table's columns the built-in authenticate and getUser use. */
export interface UserTable {
  table: DrizzleTable
  id: Column
  email: Column
  hashedPassword: Column
  keys: Record<'id' | 'email' | 'hashedPassword', string> & Partial<Record<Flag, string>>
  /**
   * Every column but the password hash, keyed by the user object's names:
   * `id`, `email` and the flags by their canonical names (found by SQL
   * column name), any other column by its property name.
   */
  selection: Record<string, Column>
  /**
   * A selected row as the user object: every flag present, as a boolean.
   * A missing flag column means active, not verified, not superuser; a
   * value that cannot be read fails closed (inactive, not verified, not
   * superuser).
   */
  toUser(row: Record<string, unknown>): Record<string, unknown>
}

/** What a flag is when its column is missing, and when its value cannot be read. */
const MISSING: Record<Flag, boolean> = { isActive: true, isVerified: false, isSuperuser: false }
const FLAG_COLUMNS: Record<Flag, string> = { isActive: 'is_active', isVerified: 'is_verified', isSuperuser: 'is_superuser' }

function columnsBySqlName (table: DrizzleTable): Map<string, [string, Column]> {
  const byName = new Map<string, [string, Column]>()
  for (const [key, column] of Object.entries(getTableColumns(table)) as Array<[string, Column]>) {
    byName.set(column.name, [key, column])
  }
  return byName
}

/** A column that must be there, found by SQL name, or INVALID_OPTION naming `option`. */
function requiredColumn (columns: Map<string, [string, Column]>, option: string, name: string): [string, Column] {
  const found = columns.get(name)
  if (found === undefined) throw new INVALID_OPTION(option, `the table has no "${name}" column`)
  return found
}

const API_KEY_COLUMNS = [['kind', 'kind'], ['name', 'name'], ['scopes', 'scopes'], ['expires_at', 'expiresAt']] as const

/** The token table's columns, or INVALID_OPTION('tokens') when a required one is missing. */
export function resolveTokenTable (table: DrizzleTable): TokenTable {
  const columns = columnsBySqlName(table)
  const required = (name: string): [string, Column] => requiredColumn(columns, 'tokens', name)
  const optional = (name: string): [string, Column] | [null, null] => columns.get(name) ?? [null, null]
  const token = required('token')
  const userId = required('user_id')
  const createdAt = required('created_at')
  const lastUsedAt = optional('last_used_at')
  const userAgent = optional('user_agent')
  const ip = optional('ip')
  const selection: Record<string, Column> = { token: token[1], userId: userId[1], createdAt: createdAt[1] }
  if (lastUsedAt[1] !== null) selection.lastUsedAt = lastUsedAt[1]
  if (userAgent[1] !== null) selection.userAgent = userAgent[1]
  if (ip[1] !== null) selection.ip = ip[1]
  const apiKeyColumns = API_KEY_COLUMNS.map(([sqlName, key]) => [sqlName, key, optional(sqlName)] as const)
  const missingApiKeyColumns = apiKeyColumns.filter(([, , found]) => found[1] === null).map(([sqlName]) => sqlName)
  const apiKeyKeys: Record<string, string | null> = {}
  let apiKeys: TokenTable['apiKeys'] = null
  // Only all four together describe an API key; a partial set is left unused.
  if (missingApiKeyColumns.length === 0) {
    apiKeys = {} as NonNullable<TokenTable['apiKeys']>
    for (const [, key, found] of apiKeyColumns) {
      apiKeys[key] = found[1]!
      apiKeyKeys[key] = found[0]
      selection[key] = found[1]!
    }
  }
  return {
    table,
    token: token[1],
    userId: userId[1],
    createdAt: createdAt[1],
    lastUsedAt: lastUsedAt[1],
    userAgent: userAgent[1],
    ip: ip[1],
    keys: {
      token: token[0],
      userId: userId[0],
      createdAt: createdAt[0],
      lastUsedAt: lastUsedAt[0],
      userAgent: userAgent[0],
      ip: ip[0],
      kind: apiKeyKeys.kind ?? null,
      name: apiKeyKeys.name ?? null,
      scopes: apiKeyKeys.scopes ?? null,
      expiresAt: apiKeyKeys.expiresAt ?? null
    },
    apiKeys,
    missingApiKeyColumns,
    selection
  }
}

/** The user table's columns, or INVALID_OPTION('users') when a required one is missing. */
export function resolveUserTable (table: DrizzleTable): UserTable {
  const columns = columnsBySqlName(table)
  const required = (name: string): [string, Column] => requiredColumn(columns, 'users', name)
  const id = required('id')
  const email = required('email')
  const hashedPassword = required('hashed_password')
  const keys: UserTable['keys'] = { id: id[0], email: email[0], hashedPassword: hashedPassword[0] }
  // The user object's own names first: a property of the table that happens
  // to be called `isActive` but is another column cannot shadow the flag.
  const selection: Record<string, Column> = { id: id[1], email: email[1] }
  const flagColumns = new Set<Column>()
  for (const flag of FLAGS) {
    const found = columns.get(FLAG_COLUMNS[flag])
    if (found === undefined) continue
    keys[flag] = found[0]
    selection[flag] = found[1]
    flagColumns.add(found[1])
  }
  for (const [key, column] of columns.values()) {
    if (column === hashedPassword[1] || column === id[1] || column === email[1] || flagColumns.has(column)) continue
    if (!Object.hasOwn(selection, key)) selection[key] = column
  }
  function toUser (row: Record<string, unknown>): Record<string, unknown> {
    const user: Record<string, unknown> = { ...row }
    for (const flag of FLAGS) {
      // Fail closed: an unreadable isActive is inactive, the others false.
      user[flag] = keys[flag] === undefined ? MISSING[flag] : readFlag(row[flag]) ?? false
    }
    return user
  }
  return { table, id: id[1], email: email[1], hashedPassword: hashedPassword[1], keys, selection, toUser }
}
