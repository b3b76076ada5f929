import type { Client, ClientConfig, Pool } from 'pg'
import { APPLICATION_NAME, type Listen, type Listening } from './listen.js'

/** A connection that does not answer within this time is given up on. */
const CONNECT_TIMEOUT_MS = 5000
/** How long a goodbye may take before the socket is simply destroyed. */
const END_TIMEOUT_MS = 1000

/** A pg.Client, and the socket of its connection (pg's own, not its typed API). */
type ListeningClient = Client & { connection?: { stream?: { destroy(): void } } }
type ClientClass = new (config: ClientConfig) => ListeningClient

/** What the listener reads of a pg.Pool: the class and settings of its connections. */
interface PgPool {
  connect: Pool['connect']
  totalCount: number
  Client: ClientClass
  options: ClientConfig
}

/** What the listener reads of a single pg.Client: its class and settings. */
interface PgClient {
  constructor: ClientClass
  connectionParameters: ClientConfig
}

/**
 * node-postgres: a pg.Client of its own, made like the pool's (or the
 * single client's) connections, outside the pool so that it is never lent
 * to a query and the pool's size is not reduced. Null when `client` is
 * not node-postgres.
 */
export function nodePostgresListen (client: unknown): Listen | null {
  const pool = client as Partial<PgPool> | null | undefined
  const single = client as Partial<PgClient> | null | undefined
  const isPool = typeof pool?.connect === 'function' && typeof pool?.totalCount === 'number'
  const Client = isPool ? pool.Client : single?.constructor
  const config = isPool ? pool.options : single?.connectionParameters
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
    connection.on('notification', (message) => handlers.message(message.channel, message.payload as string))
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
