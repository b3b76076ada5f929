// The user flags, read one way everywhere: at login, in every guard, and when
// the built-in lookup turns a row into the user object. A flag read two ways
// is a deactivated user who keeps access through the way that reads it wrong
// (a 0 from an integer column is not `false`).

/** The canonical names of the flags in the user object. */
export const FLAGS = ['isActive', 'isVerified', 'isSuperuser'] as const
export type Flag = typeof FLAGS[number]

/**
 * A flag as stored: true and 1 are true, false and 0 are false (booleans,
 * 0/1 integer columns, MySQL's tinyint, a bigint driver's 0n/1n). Anything
 * else cannot be read: null.
 */
export function readFlag (value: unknown): boolean | null {
  if (value === true || value === 1 || value === 1n) return true
  if (value === false || value === 0 || value === 0n) return false
  return null
}

interface Flags { isActive?: unknown, isVerified?: unknown, isSuperuser?: unknown }

/**
 * Active unless `isActive` says otherwise. A user object without the flag
 * (an application's own getUser) is active; a flag that is there but cannot
 * be read counts as inactive: a corrupt or unexpected value must not let a
 * deactivated user in.
 */
export function isActiveUser (user: Flags): boolean {
  return user.isActive === undefined || readFlag(user.isActive) === true
}

/** Verified only when `isVerified` reads true. */
export function isVerifiedUser (user: Flags): boolean {
  return readFlag(user.isVerified) === true
}

/** Superuser only when `isSuperuser` reads true. */
export function isSuperuserUser (user: Flags): boolean {
  return readFlag(user.isSuperuser) === true
}
