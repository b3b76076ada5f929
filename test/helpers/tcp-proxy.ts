// A TCP proxy between the app and a database server, to cut the network and
// heal it again in tests.
//   reset: every connection is destroyed and new ones are closed at once
//          (the server went away, or a firewall answers with RST);
//   stall: connections stay open but no byte passes either way, new ones
//          included (a partition: only timeouts notice it);
//   restore: bytes flow again, those held back during a stall first.
import { createServer, connect, type Server, type Socket } from 'node:net'

export type CutMode = 'reset' | 'stall'

export interface TcpProxy {
  port: number
  /** Connections the proxy has accepted so far. */
  readonly accepted: number
  /**
   * For each connection that was in use before a stall and whose client then
   * sent bytes the stall held back (a call sent into the black hole on an
   * established connection): whether the client has closed it since.
   * Connections opened during the stall are not among them: their client's
   * connect timeout is what ends them.
   */
  stalledConnections(): boolean[]
  cut(mode: CutMode): void
  restore(): void
  close(): Promise<void>
}

interface Pipe {
  send(chunk: Buffer): void
  flush(): void
}

export async function startProxy (target: { host: string, port: number }): Promise<TcpProxy> {
  let state: 'open' | CutMode = 'open'
  let accepted = 0
  const sockets = new Set<Socket>()
  const pipes = new Set<Pipe>()
  const established = new WeakSet<Socket>()
  const stalled = new Set<Socket>()

  function track (socket: Socket): void {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    // A reset on one side only ends the pair; the test watches the app.
    socket.on('error', () => {})
  }

  // Forwards from one socket to the other, holding chunks back while stalled.
  function pipe (from: Socket, to: Socket, fromClient: boolean): void {
    const held: Buffer[] = []
    const flow: Pipe = {
      send (chunk) {
        if (state === 'stall') {
          held.push(chunk)
          if (fromClient && established.has(from)) stalled.add(from)
        } else {
          to.write(chunk)
          if (fromClient) established.add(from)
        }
      },
      flush () {
        for (const chunk of held.splice(0)) to.write(chunk)
      }
    }
    pipes.add(flow)
    from.on('data', (chunk: Buffer) => flow.send(chunk))
    from.on('end', () => to.end())
    from.on('close', () => { pipes.delete(flow); to.destroy() })
  }

  const server: Server = createServer((client) => {
    accepted++
    track(client)
    if (state === 'reset') {
      client.resetAndDestroy()
      return
    }
    const upstream = connect(target)
    track(upstream)
    pipe(client, upstream, true)
    pipe(upstream, client, false)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')

  return {
    port: address.port,
    get accepted () { return accepted },
    stalledConnections: () => [...stalled].map((socket) => socket.closed),
    cut (mode) {
      state = mode
      if (mode === 'reset') {
        for (const socket of sockets) socket.resetAndDestroy()
      }
    },
    restore () {
      state = 'open'
      for (const flow of pipes) flow.flush()
    },
    async close () {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
