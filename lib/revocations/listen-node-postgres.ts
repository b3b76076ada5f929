import type { AnyDatabase } from '../dialects/types.js'
import { APPLICATION_NAME, type Listen, type Listening } from './listen.js'

/** A connection that does not answer within this time is given up on. */
const CONNECT_TIMEOUT_MS = 5000
/** How long a goodbye may take before the socket is simply destroyed. */
const END_TIMEOUT_MS = 1000

/**
 * node-postgres: a pg.Client of its own, made like the pool's (or the
 * single client's) connections, outside the pool so that it is never lent
 * to a query and the pool's size is not reduced. Null when `client` is
 * not node-postgres.
 */
export function nodePostgresListen (client: AnyDatabase): Listen | null {
  const isPool = typeof client?.connect === 'function' && typeof client?.totalCount === 'number'
  const Client = isPool ? client.Client : client?.constructor
  const config = isPool ? client.options : client?.connectionParameters
  if (typeof Client !== 'function' || typeof config !== 'object' || config === null) return null

  return async function listen (channels, handlers): Promise<Listening> {
    const connection = new Client({
      ...config,
      connectionTimeoutMillis: config.connectionTimeoutMillis || CONNECT_TIMEOUT_MS,
      keepAlive: true,
      // Tells this connection apart in pg_stat_activity: it stays open and idle.
      application_name: APPLICATION_NAME
    })
    let over = false
    function lost (error: unknown): void {
      if (over) return
      over = true
      handlers.lost(error)
      destroy()
    }
    function destroy (): void {
      connection.connection?.stream?.destroy()
    }
    // 'error' stays listened to for good: a connection lost after close()
    // must not become an uncaught exception.
    connection.on('error', lost)
    connection.on('end', () => lost(new Error('the listening connection ended')))
    // The receiver tells the messages of a replaced connection apart.
    connection.on('notification', (message: { channel: string, payload: string }) => handlers.message(message.channel, message.payload))
    try {
      await connection.connect()
      // Channel names are ours, made of letters, digits and underscores.
      await connection.query(channels.map((channel) => `LISTEN "${channel}"`).join('; '))
    } catch (error) {
      over = true
      destroy()
      throw error
    }
    return {
      async notify (channel, payload) {
        await connection.query('select pg_notify($1, $2)', [channel, payload])
      },
      async close () {
        over = true
        const timer = setTimeout(destroy, END_TIMEOUT_MS)
        await connection.end().catch(() => {})
        clearTimeout(timer)
      }
    }
  }
}
