import { APPLICATION_NAME, type Listen, type Listening } from './listen.js'

/** How long closing the listening client may take before its connection is dropped. */
const END_TIMEOUT_SECONDS = 1

/** What the listener needs of a postgres.js client: its statements, its end. */
export interface ListeningClient {
  unsafe(query: string): PromiseLike<unknown>
  notify(channel: string, payload: string): PromiseLike<unknown>
  end(options: { timeout: number }): Promise<void>
}

/** The postgres.js options the listener adds to the application's. */
export interface ListenerOptions {
  max: 1
  /** No idle timeout. */
  idle_timeout: 0
  max_lifetime: null
  fetch_types: false
  /** Each notification of the channels listened on. */
  onnotify(channel: string, payload: string): void
  /** The connection closed, whatever the reason. */
  onclose(): void
}

/** Makes a postgres.js client: postgres.js's own default export, by default. */
export type ClientFactory = (options: Record<string, unknown> & ListenerOptions) => ListeningClient

async function postgresJs (options: Record<string, unknown> & ListenerOptions): Promise<ListeningClient> {
  // Loaded only for an application on postgres.js: it is installed then.
  const { default: postgres } = await import('postgres')
  return postgres(options)
}

/** What the listener reads of the application's postgres.js client: its settings. */
interface PostgresJsClient {
  options: Record<string, unknown> & { connection?: Record<string, unknown> }
}

/** A postgres.js client: a function (the sql tag) with `unsafe` and its options. */
function isPostgresJs (client: unknown): client is PostgresJsClient {
  const candidate = client as Partial<PostgresJsClient & { unsafe: unknown }>
  return typeof client === 'function' && typeof candidate.unsafe === 'function' &&
    typeof candidate.options === 'object' && candidate.options !== null
}

/** An identifier as PostgreSQL reads it in double quotes. */
function quoted (name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * postgres.js: a client of its own with one connection, on the application
 * client's settings (`options`), that LISTENs; its notifications and its
 * end come through `onnotify` and `onclose`, as they do for the client
 * postgres.js's own `listen` makes. Not `listen` itself: when its
 * connection closes (a server restart), it listens again once, at once,
 * and when that fails (the server is not back yet) it stops without a
 * word; only `onclose` tells the receiver at once that revocations may be
 * missed. Null when `client` is not postgres.js.
 */
export function postgresJsListen (client: unknown, make: ClientFactory | null = null): Listen | null {
  if (!isPostgresJs(client)) return null

  return async function listen (channels, handlers): Promise<Listening> {
    // Before it listens, a closed connection is the failure of the LISTEN
    // itself, which the caller handles; after it, a lost channel.
    let listening = false
    let over = false
    const options = {
      ...client.options,
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      connection: { ...client.options.connection, application_name: APPLICATION_NAME },
      onnotify (channel: string, payload: string) {
        if (!over) handlers.message(channel, payload)
      },
      onclose () {
        if (!listening || over) return
        over = true
        handlers.lost(new Error('the listening connection was closed'))
      }
    } as const
    const own = make === null ? await postgresJs(options) : make(options)
    try {
      for (const channel of channels) await own.unsafe(`listen ${quoted(channel)}`)
    } catch (error) {
      over = true
      await own.end({ timeout: 0 })
      throw error
    }
    listening = true
    return {
      async notify (channel, payload) {
        // Through the listening connection itself: the heartbeat that comes
        // back confirms this very connection.
        await own.notify(channel, payload)
      },
      async close () {
        over = true
        await own.end({ timeout: END_TIMEOUT_SECONDS })
      }
    }
  }
}
