import type { SQL } from 'drizzle-orm'
import type { DrizzleTable, Driver, SQLiteDatabase } from '../dialects/types.js'
import type { VerifiedCache } from '../cache.js'
import type { RevocationEvent } from './events.js'
import type { Publisher, Receiver } from './types.js'

/**
 * An in-memory SQLite database lives in one process, on one connection:
 * the plugin instances that share it are all here, and hear each other
 * directly, after the change is made: a lookup that read the row before
 * cannot cache it again, as the event moves the cache's generation.
 */
const listeners = new WeakMap<object, Set<(event: RevocationEvent) => void>>()

function listenersOf (client: object): Set<(event: RevocationEvent) => void> {
  let set = listeners.get(client)
  if (set === undefined) {
    set = new Set()
    listeners.set(client, set)
  }
  return set
}

function send (client: object, event: RevocationEvent): void {
  for (const listener of listenersOf(client)) listener(event)
}

export function memoryPublisher (db: SQLiteDatabase, driver: Driver): Publisher {
  const client = db.$client as object
  return {
    async revoke (table: DrizzleTable, where: SQL, event: RevocationEvent) {
      const deleted = await driver.write(db.delete(table).where(where))
      if (deleted > 0) send(client, event)
      return deleted
    },
    async publish (event: RevocationEvent) {
      send(client, event)
    },
    // After the commit, as the evicting instance drops the user's entries
    // from its own cache: a lookup that read an evicted row meanwhile
    // cannot cache it again (the generation moved).
    evicted (userId: unknown) {
      send(client, { user: userId })
    }
  }
}

export function memoryReceiver (db: SQLiteDatabase, cache: VerifiedCache): Receiver {
  const set = listenersOf(db.$client as object)
  const listener = (event: RevocationEvent): void => cache.apply(event)
  return {
    async start () { set.add(listener) },
    async close () { set.delete(listener) }
  }
}
