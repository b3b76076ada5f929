// The load generator, always a process of its own: Debian's wrk when it is
// installed (C, one thread, leaves the other core to the server), otherwise
// autocannon from bench/node_modules.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const WRK = '/usr/bin/wrk'
const WRK_SCRIPT = fileURLToPath(new URL('./wrk-report.lua', import.meta.url))
const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url))

export function defaultTool () {
  return existsSync(WRK) ? 'wrk' : 'autocannon'
}

function run (command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => { stdout += chunk })
    child.stderr.on('data', (chunk) => { stderr += chunk })
    child.once('error', reject)
    child.once('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim() || stdout.trim()}`))
    })
  })
}

/**
 * Drives `url` for `durationSeconds` with `connections` keep-alive
 * connections. Returns completed requests, requests per second, latency
 * percentiles (ms) and the count of failed or non-2xx answers.
 */
export async function runLoad ({ tool, url, authorization, durationSeconds, connections }) {
  if (tool === 'wrk') {
    const args = ['-t1', `-c${connections}`, `-d${durationSeconds}s`, '-s', WRK_SCRIPT]
    if (authorization) args.push('-H', `Authorization: ${authorization}`)
    args.push(url)
    const output = await run(WRK, args)
    const line = output.split('\n').find((text) => text.startsWith('WRK_JSON '))
    if (line === undefined) throw new Error(`wrk printed no summary: ${output}`)
    const summary = JSON.parse(line.slice('WRK_JSON '.length))
    const e = summary.errors
    return {
      requests: summary.requests,
      rps: summary.requests / (summary.durationUs / 1e6),
      p50Ms: summary.latencyUs.p50 / 1000,
      p99Ms: summary.latencyUs.p99 / 1000,
      failed: e.connect + e.read + e.write + e.status + e.timeout
    }
  }
  const args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(durationSeconds)]
  if (authorization) args.push('-H', `authorization=${authorization}`)
  args.push(url)
  const output = await run(process.execPath, args)
  const summary = JSON.parse(output.trim().split('\n').pop())
  return {
    requests: summary.requests.total,
    rps: summary.requests.total / summary.duration,
    p50Ms: summary.latency.p50,
    p99Ms: summary.latency.p99,
    failed: summary.non2xx + summary.errors + summary.timeouts
  }
}
