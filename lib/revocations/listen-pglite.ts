import type { Listen, Listening } from './listen.js'

/** What the listener uses of a PGlite database. */
interface PGlite {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>
  readonly closed?: boolean
}

/** PGlite, told by its methods (`query` and `exec`, besides `listen`). */
function isPGlite (client: unknown): client is PGlite {
  const candidate = client as Partial<PGlite & { query: unknown, exec: unknown }> | null
  return typeof client === 'object' && client !== null && typeof candidate!.listen === 'function' &&
    typeof candidate!.query === 'function' && typeof candidate!.exec === 'function'
}

/**
 * PGlite: PostgreSQL in the process, one connection that is never lost
 * while the database is open. `listen` registers a callback per channel
 * and answers the function that ends it; PGlite hands over notifications
 * as it reads the answers of statements, in this process. No heartbeat
 * then: its query would queue behind every other on the one connection,
 * and lapse under load with nothing lost. Null when `client` is not PGlite.
 */
export function pgliteListen (client: unknown): Listen | null {
  if (!isPGlite(client)) return null

  return async function listen (channels, handlers): Promise<Listening> {
    let over = false
    const unsubscribes: Array<() => Promise<void>> = []
    async function unlistenAll (): Promise<void> {
      // A closed database has nothing left to unlisten.
      await Promise.all(unsubscribes.splice(0).map(async (unsubscribe) => await unsubscribe().catch(() => {})))
    }
    try {
      for (const channel of channels) {
        unsubscribes.push(await client.listen(channel, (payload: string) => {
          if (!over) handlers.message(channel, payload)
        }))
      }
    } catch (error) {
      over = true
      await unlistenAll()
      throw error
    }
    return {
      inProcess: true,
      async close () {
        over = true
        if (client.closed === true) return
        await unlistenAll()
      }
    }
  }
}
