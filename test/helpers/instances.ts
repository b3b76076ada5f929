// App instances in processes of their own, as a deployment of several
// instances behind a load balancer runs them: a server script under tsx that
// prints `{"port":N}` once it listens, asked over HTTP.
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { request, type Dispatcher } from 'undici'
import { PASSWORD } from './app.js'
import { childEnv } from './child-env.js'
import { within } from './within.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Instance {
  /** Sends a request; resolves with its status and JSON body (or null). */
  request(method: string, path: string, options?: { token?: string, body?: unknown }): Promise<{ status: number, body: any }>
}

/**
 * Starts `script` (a path from the project root) in a child process with
 * `env`; it is killed when the test ends. `dispatcher`: the HTTP agent of
 * the requests (keep-alive connections, so that a measure is not blurred by
 * a new connection per request); default undici's global one.
 */
export async function startInstance (t: Test, script: string, env: Record<string, string>, dispatcher?: Dispatcher): Promise<Instance> {
  // tap's loaders stay out of the child: it runs under tsx.
  // Its standard input stays open while this process lives: should the test
  // runner die, the instance sees it end, and stops.
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  })
  let output = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const port = await within(new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const found = /^\{"port":(\d+)\}$/m.exec(output)
      if (found !== null) resolve(Number(found[1]))
    })
    exited.then(([code]) => reject(new Error(`instance exited (${code}) before listening:\n${output}`)), reject)
  }), 30_000)

  return {
    async request (method, path, { token, body } = {}) {
      const headers: Record<string, string> = {}
      if (token !== undefined) headers.authorization = `Bearer ${token}`
      if (body !== undefined) headers['content-type'] = 'application/json'
      const response = await request(`http://127.0.0.1:${port}${path}`, {
        method: method as Dispatcher.HttpMethod,
        headers,
        dispatcher,
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await response.body.text()
      return { status: response.statusCode, body: text === '' ? null : JSON.parse(text) }
    }
  }
}

/** Logs in through the instance's POST /auth/login; returns the bearer token. */
export async function loginOn (instance: Instance, email: string): Promise<string> {
  const response = await instance.request('POST', '/auth/login', { body: { username: email, password: PASSWORD } })
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`)
  return response.body.access_token
}
