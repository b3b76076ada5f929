// `npm test`: runs the tap suite on SQLite, and on the PostgreSQL and
// MySQL/MariaDB servers given by TEST_PG_URL and TEST_MYSQL_URL, or found on
// their standard local ports. tap's 100% coverage check holds when every
// dialect is tested; without one, its code cannot be covered and the run says so.
import { spawn } from 'node:child_process'
import { connect } from 'node:net'

const LOCAL = {
  TEST_PG_URL: { url: 'postgres://postgres@127.0.0.1:5432/postgres', port: 5432 },
  TEST_MYSQL_URL: { url: 'mysql://root@127.0.0.1:3306/test', port: 3306 }
}

function answers (port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1000 })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
}

const env = { ...process.env }
const missing = []
for (const [name, local] of Object.entries(LOCAL)) {
  if (env[name]) continue
  if (await answers(local.port)) env[name] = local.url
  else missing.push(name)
}

const args = ['tap', ...process.argv.slice(2)]
if (missing.length > 0) {
  console.log(`Not tested: ${missing.join(', ')} unset and no local server answers; coverage is not enforced.`)
  args.push('--allow-incomplete-coverage')
}

const child = spawn('npx', args, { env, stdio: ['inherit', 'pipe', 'inherit'] })
let tail = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  tail = (tail + chunk).slice(-4096)
})
child.on('close', (code) => {
  // tap closes with "# { total: N, pass: N, fail: N, ... }".
  const summary = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/.exec(tail)
  if (summary !== null) {
    const passed = Number(summary[2] ?? 0)
    const failed = Number(summary[1]) - passed
    console.log(`${passed} passed, ${failed} failed`)
  }
  process.exitCode = code ?? 1
})
