import type { SQL } from 'drizzle-orm'
import type { AnyDatabase, AnyTable } from '../dialects/types.js'
import type { VerifiedCache } from '../cache.js'
import type { RevocationEvent } from './events.js'
import type { Publisher, Receiver } from './types.js'

/**
 * An in-memory SQLite database lives in one process, on one connection:
 * the plugin instances that share it are all here, and hear each other
 * directly. Its transactions are synchronous functions, so an event sent
 * from inside one is never heard by a lookup in between.
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

export function memoryPublisher (db: AnyDatabase): Publisher {
  const client = db.$client
  return {
    async revoke (table: AnyTable, where: SQL, event: RevocationEvent) {
      const deleted: number = db.delete(table).where(where).run().changes
      if (deleted > 0) send(client, event)
      return deleted
    },
    async publish (event: RevocationEvent) {
      send(client, event)
    },
    within (_tx: AnyDatabase, event: RevocationEvent) {
      send(client, event)
      return null
    }
  }
}

export function memoryReceiver (db: AnyDatabase, cache: VerifiedCache): Receiver {
  const set = listenersOf(db.$client)
  const listener = (event: RevocationEvent): void => cache.apply(event)
  return {
    async start () { set.add(listener) },
    async close () { set.delete(listener) }
  }
}
