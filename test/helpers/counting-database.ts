// A Drizzle database that counts the statements the plugin builds on it.
// Prepared statements are built once at registration, so after `ready()`
// the counts are the per-request writes and reads that are not prepared.
// With storeTimeoutMs on a node-postgres or mysql2 pool, the plugin builds
// its statements on a database of its own over that pool: tests that count
// pass storeTimeoutMs: null.
export interface CountingDatabase {
  db: any
  counts: { select: number, insert: number, update: number, delete: number, transaction: number }
  reset(): void
}

const COUNTED = new Set(['select', 'insert', 'update', 'delete', 'transaction'])

export function countingDatabase (db: any): CountingDatabase {
  const counts = { select: 0, insert: 0, update: 0, delete: 0, transaction: 0 }
  const proxy = new Proxy(db, {
    get (target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof property !== 'string' || !COUNTED.has(property) || typeof value !== 'function') return value
      return function counted (...args: unknown[]) {
        counts[property as keyof typeof counts]++
        return value.apply(target, args)
      }
    }
  })
  return {
    db: proxy,
    counts,
    reset () {
      for (const key of Object.keys(counts) as Array<keyof typeof counts>) counts[key] = 0
    }
  }
}
