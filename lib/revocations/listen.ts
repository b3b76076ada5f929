/**
 * The one piece of LISTEN/NOTIFY that differs per PostgreSQL driver: a
 * connection of its own that listens on some channels. Everything else
 * (heartbeat, reconnection, the cache's liveness) is in pg-receiver.ts.
 */

/** The name a listening connection shows in pg_stat_activity: it stays open and idle. */
export const APPLICATION_NAME = 'fastify-access-tokens revocations'

export interface ListenHandlers {
  message(channel: string, payload: string): void
  /** The connection is gone or broken; called at most once, never after close(). */
  lost(error: unknown): void
}

/** A listening connection to a server (node-postgres, postgres.js). */
export interface ConnectionListening {
  readonly inProcess?: false
  /** Sends a notification through this very connection: the heartbeat. */
  notify(channel: string, payload: string): Promise<void>
  /** Ends the connection, at once if it does not answer. */
  close(): Promise<void>
}

/**
 * The database runs in this process and hands notifications to the
 * listeners itself (PGlite): the channel is live while the database is
 * open, and needs no heartbeat.
 */
export interface InProcessListening {
  readonly inProcess: true
  /** Stops listening. */
  close(): Promise<void>
}

export type Listening = ConnectionListening | InProcessListening

export type Listen = (channels: string[], handlers: ListenHandlers) => Promise<Listening>
