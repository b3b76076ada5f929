// Database servers of the test's own, each in a temporary directory: ones
// that a test may restart, as an operator would, without touching the
// servers the rest of the suite shares. Built with the binaries of the local
// installation: PostgreSQL's from Debian's /usr/lib/postgresql/<version>/bin
// (or TEST_PG_BINDIR), run as the `postgres` user when the tests run as root
// since PostgreSQL refuses to run as root; MariaDB's mariadb-install-db and
// mariadbd from PATH or /usr/sbin (or TEST_MARIADBD).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'

const run = promisify(execFile)

function binDir (): string {
  const given = process.env.TEST_PG_BINDIR
  if (given !== undefined) return given
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : []
  if (versions.length === 0) throw new Error('no PostgreSQL binaries in /usr/lib/postgresql: set TEST_PG_BINDIR to the directory of initdb and pg_ctl')
  return join(root, versions[0], 'bin')
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface PrivateServer {
  /** Where to connect: postgres://postgres@127.0.0.1:<port>/postgres, mysql://root@127.0.0.1:<port>/test */
  url: string
  /** Stops the server (a clean shutdown: sessions are ended) and starts it again; resolves once it accepts connections. */
  restart(): Promise<void>
}

/** A PostgreSQL server; stopped and removed when the test ends. */
export async function startPrivatePostgres (t: Test): Promise<PrivateServer> {
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: group } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout), Number(group))
  }
  const pg = (command: string, args: string[]): Promise<unknown> => asRoot
    ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
    : run(join(bin, command), args)
  const port = await freePort()
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions'])
  // The socket goes into the test's directory: the system's belongs to the shared server.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  t.teardown(async () => {
    await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart () {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
      await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
    }
  }
}

/** Whether something accepts TCP connections on the port. */
function answers (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

async function listening (port: number, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!await answers(port)) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`mariadbd did not start:\n${log()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A MariaDB server, with an empty `test` database; stopped and removed when the test ends. */
export async function startPrivateMariadb (t: Test): Promise<PrivateServer> {
  const mariadbd = process.env.TEST_MARIADBD ?? (existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd')
  const dir = mkdtempSync(join(tmpdir(), 'access-tokens-mariadb-'))
  const data = join(dir, 'data')
  // Root with no password, on this server only.
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'])
  const port = await freePort()
  const args = ['--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${join(dir, 'sock')}`,
    `--pid-file=${join(dir, 'pid')}`, '--user=root', '--skip-log-bin', '--innodb-buffer-pool-size=32M']
  let output = ''
  let server: ChildProcess
  async function start (): Promise<void> {
    server = spawn(mariadbd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    await listening(port, server, () => output)
  }
  async function stop (signal: NodeJS.Signals): Promise<void> {
    if (server.exitCode !== null || server.signalCode !== null) return
    const exited = once(server, 'exit')
    server.kill(signal)
    await exited
  }
  await start()
  await run('mariadb', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', '-e', 'create database test'])
  t.teardown(async () => {
    await stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    url: `mysql://root@127.0.0.1:${port}/test`,
    async restart () {
      // SIGTERM: a normal shutdown, which ends every session.
      await stop('SIGTERM')
      await start()
    }
  }
}
