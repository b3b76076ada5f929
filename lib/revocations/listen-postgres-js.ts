import type { Listen, Listening } from './listen.js'

/** How long an unlisten may take before it is given up on. */
const UNLISTEN_TIMEOUT_MS = 1000

/**
 * postgres.js: `sql.listen` opens one connection of its own for every
 * listener of the client, outside the pool. It reconnects by itself and
 * listens again, calling `onlisten` each time: notifications sent while it
 * was away are lost, so a second `onlisten` of a channel is a lost
 * connection for the receiver, which drops its cache and listens anew.
 * Null when `client` is not postgres.js.
 */
export function postgresJsListen (client: any): Listen | null {
  if (typeof client !== 'function' || typeof client.listen !== 'function' ||
    typeof client.notify !== 'function' || typeof client.unsafe !== 'function') return null

  return async function listen (channels, handlers): Promise<Listening> {
    let over = false
    function lost (error: unknown): void {
      if (over) return
      over = true
      handlers.lost(error)
    }
    const subscriptions: Array<{ unlisten: () => Promise<void> }> = []
    async function unlistenAll (): Promise<void> {
      const pending = Promise.all(subscriptions.splice(0).map(async (subscription) => await subscription.unlisten().catch(() => {})))
      let timer: NodeJS.Timeout | undefined
      await Promise.race([pending, new Promise((resolve) => { timer = setTimeout(resolve, UNLISTEN_TIMEOUT_MS) })])
      clearTimeout(timer)
    }
    try {
      for (const channel of channels) {
        let listens = 0
        subscriptions.push(await client.listen(channel, (payload: string) => {
          if (!over) handlers.message(channel, payload)
        }, () => {
          if (++listens > 1) lost(new Error('the listening connection was lost and opened again'))
        }))
      }
    } catch (error) {
      over = true
      await unlistenAll()
      throw error
    }
    return {
      async notify (channel, payload) {
        // Through any connection: PostgreSQL delivers notifications in
        // commit order whatever their channel and sender.
        await client.notify(channel, payload)
      },
      async close () {
        over = true
        await unlistenAll()
      }
    }
  }
}
