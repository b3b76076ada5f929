// `npm run bench`: fastify-access-tokens against a bare route, hand-written
// lookups, @fastify/jwt and better-auth. Every server runs in a process of
// its own and the load comes from another (wrk, or autocannon without it);
// scenarios are interleaved over several rounds and medians reported, with
// ratios taken within this run. Then the scale checks (bench/scale.mjs).
//
//   node bench/run.mjs [--quick] [--duration S] [--rounds N] [--connections N]
//                      [--tool wrk|autocannon] [--only a,b] [--no-scale] [--scale-only]
//                      [--no-propagation] [--report]
//
// PostgreSQL: BENCH_PG_URL, else TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres;
// MySQL: BENCH_MYSQL_URL, else TEST_MYSQL_URL, else mysql://root@127.0.0.1:3306/test;
// the scenarios of each are left out (and said so) when none answers.
//
// bench/package.json holds only the peers (@fastify/jwt, better-auth,
// autocannon). fastify, drizzle-orm, better-sqlite3 and pg resolve from the
// package's own devDependencies one folder up, so the plugin (../dist) and
// every scenario share one copy of each: the same Fastify for all.
// --quick: one round of 1 s and a scale check of 100 000 rows, as a smoke run;
// --report: print the tables of the last bench/results.json again.
import { spawnSync, fork } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const ROOT = join(BENCH, '..')

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '32' },
    tool: { type: 'string' },
    only: { type: 'string' },
    'no-scale': { type: 'boolean', default: false },
    'scale-only': { type: 'boolean', default: false },
    'no-propagation': { type: 'boolean', default: false },
    report: { type: 'boolean', default: false }
  }
})
const quick = args.quick
const settings = {
  durationSeconds: Number(args.duration ?? (quick ? 1 : 5)),
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  connections: Number(args.connections),
  warmupSeconds: quick ? 1 : 2
}

// A fresh clone: install the bench's own dependencies, build the plugin.
function sh (command, commandArgs, cwd) {
  console.log(`> (${cwd === ROOT ? '.' : 'bench'}) ${command} ${commandArgs.join(' ')}`)
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed`)
}

function newestSource (dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

if (!existsSync(join(BENCH, 'node_modules'))) sh('npm', ['install', '--no-audit', '--no-fund'], BENCH)
const built = join(ROOT, 'dist', 'index.js')
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newestSource(join(ROOT, 'lib')), statSync(join(ROOT, 'index.ts')).mtimeMs)) {
  sh('npm', ['run', 'build'], ROOT)
}

const { runLoad, defaultTool } = await import('./lib/load.mjs')
const { median, ratio, round } = await import('./lib/stats.mjs')
const { createSqliteDatabase, createPgDatabase, createMysqlDatabase } = await import('./lib/setup.mjs')
const tool = args.tool ?? defaultTool()

const SCENARIOS = [
  { id: 'bare', label: '1 bare Fastify route' },
  { id: 'bare-digest', label: '1d bare route + hook: SHA-256 of the bearer, looked up in a Map' },
  { id: 'sqlite-hand', label: '2 hand-written: SHA-256 + better-sqlite3 prepared join' },
  { id: 'plugin-sqlite', label: '3 plugin, SQLite' },
  { id: 'plugin-sqlite-keys-login', label: '3l plugin, SQLite, API keys on, login token' },
  { id: 'plugin-sqlite-key', label: '3k plugin, SQLite, API keys on, API key' },
  { id: 'plugin-sqlite-cache', label: '4 plugin, SQLite, cache on' },
  { id: 'plugin-pg', label: '5a plugin, PostgreSQL', pg: true },
  { id: 'plugin-pg-cache', label: '5c plugin, PostgreSQL, cache on (LISTEN/NOTIFY)', pg: true },
  { id: 'pg-hand', label: '5b hand-written node-postgres (named prepared statement)', pg: true },
  { id: 'jwt', label: '6 @fastify/jwt HS256 verify' },
  { id: 'better-auth', label: '7 better-auth getSession (bearer plugin, SQLite)' },
  // One pair per other driver: the plugin and a hand-written lookup through
  // the same driver, on the same data.
  { id: 'plugin-libsql', label: '8a plugin, SQLite file, libSQL', hand: 'libsql-hand' },
  { id: 'libsql-hand', label: '8b hand-written libSQL (client.execute)' },
  { id: 'plugin-node-sqlite', label: '8c plugin, SQLite file, node:sqlite', hand: 'node-sqlite-hand', nodeSqlite: true },
  { id: 'node-sqlite-hand', label: '8d hand-written node:sqlite (prepared statement)', nodeSqlite: true },
  { id: 'plugin-postgresjs', label: '9a plugin, PostgreSQL, postgres.js', hand: 'postgresjs-hand', pg: true },
  { id: 'postgresjs-hand', label: '9b hand-written postgres.js (prepared)', pg: true },
  { id: 'plugin-pglite', label: '10a plugin, PGlite (in process)', hand: 'pglite-hand' },
  { id: 'pglite-hand', label: '10b hand-written PGlite (client.query)' },
  { id: 'plugin-mysql', label: '11a plugin, MariaDB, mysql2', hand: 'mysql-hand', mysql: true },
  { id: 'mysql-hand', label: '11b hand-written mysql2 (pool.execute, server-prepared)', mysql: true }
]
// The same pairs for the two drivers whose references are scenarios 2 and 5b.
SCENARIOS.find((s) => s.id === 'plugin-sqlite').hand = 'sqlite-hand'
SCENARIOS.find((s) => s.id === 'plugin-pg').hand = 'pg-hand'
const BASELINES = [['bare', '×1 bare'], ['sqlite-hand', '×2 hand-written'], ['jwt', '×6 jwt'], ['better-auth', '×7 better-auth']]

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${process.platform} ${process.arch}`
}
const load = { before: loadavg().map((value) => round(value, 2)) }
const results = {
  date: new Date().toISOString(),
  version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine,
  settings: { ...settings, tool, quick },
  load,
  scenarios: [],
  skipped: [],
  scale: null,
  targets: []
}

if (args.report) {
  // Prints the tables of the last run again, from bench/results.json.
  Object.assign(results, JSON.parse(readFileSync(join(BENCH, 'results.json'), 'utf8')))
  report()
  console.log(`\n${results.date}, ${results.command}; ${results.machine.nproc} × ${results.machine.cpu}, Node ${results.machine.node}; load average ${results.load.before.join(' ')} before, ${results.load.after.join(' ')} after`)
  process.exit(0)
}

console.log(`fastify-access-tokens bench: ${settings.rounds} round(s) of ${settings.durationSeconds} s, ${settings.connections} connections, ${tool}`)
console.log(`machine: ${machine.nproc} × ${machine.cpu}, Node ${machine.node}; load average ${load.before.join(' ')}`)

const workdir = mkdtempSync(join(tmpdir(), 'fastify-access-tokens-bench-'))
const cleanups = [() => rmSync(workdir, { recursive: true, force: true })]
async function cleanup () {
  for (const fn of cleanups.reverse()) {
    try { await fn() } catch (error) { console.error(`cleanup: ${error.message}`) }
  }
}
process.once('SIGINT', () => { cleanup().finally(() => process.exit(130)) })

try {
  if (!args['scale-only']) await runScenarios()
  if (!args['no-scale']) results.scale = await runScale()
  if (!args['no-propagation'] && !args['scale-only']) results.propagation = runPropagation()
  load.after = loadavg().map((value) => round(value, 2))
  results.targets = evaluateTargets()
  report()
  const file = join(BENCH, 'results.json')
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
  console.log(`\nwritten: bench/results.json; load average after: ${load.after.join(' ')}`)
} finally {
  await cleanup()
}

async function runScenarios () {
  const lifetimeSeconds = 86_400
  const sqliteFile = join(workdir, 'tokens.db')
  const seeded = await createSqliteDatabase(sqliteFile, { rows: 1000, users: 1000, known: 1, lifetimeSeconds })
  const config = {
    sqliteFile,
    betterAuthFile: join(workdir, 'better-auth.db'),
    lifetimeSeconds,
    token: seeded.secrets[0],
    userId: seeded.tokenUsers[0],
    email: 'bench@example.com',
    jwtSecret: randomBytes(32).toString('hex'),
    pgUrl: null
  }

  let chosen = SCENARIOS
  if (args.only) {
    const only = new Set(args.only.split(','))
    chosen = SCENARIOS.filter((scenario) => only.has(scenario.id))
  }
  if (chosen.some((scenario) => scenario.pg)) {
    const adminUrl = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
    try {
      const database = await createPgDatabase(adminUrl, { name: 'access_tokens_bench', rows: 1000, lifetimeSeconds })
      cleanups.push(() => database.drop())
      // The PostgreSQL scenarios share the secret of their own first token.
      config.pgUrl = database.url
      config.pgToken = database.secret
      config.pgUserId = database.userId
    } catch (error) {
      chosen = skip(chosen, (s) => s.pg, `PostgreSQL at ${new URL(adminUrl).host} unavailable: ${error.message}`)
    }
  }

  if (chosen.some((scenario) => scenario.mysql)) {
    const adminUrl = process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
    try {
      const database = await createMysqlDatabase(adminUrl, { name: 'access_tokens_bench', rows: 1000 })
      cleanups.push(() => database.drop())
      config.mysqlUrl = database.url
      config.mysqlToken = database.secret
    } catch (error) {
      chosen = skip(chosen, (s) => s.mysql, `MySQL at ${new URL(adminUrl).host} unavailable: ${error.message}`)
    }
  }
  if (chosen.some((scenario) => scenario.nodeSqlite)) {
    // Drizzle has a node:sqlite driver from 1.x on, and Node.js has node:sqlite from 22.5.
    const missing = await import('drizzle-orm/node-sqlite').then(() => import('node:sqlite')).then(() => null, (error) => error.message)
    if (missing !== null) chosen = skip(chosen, (s) => s.nodeSqlite, `no node:sqlite driver here (${missing})`)
  }

  const servers = []
  cleanups.push(() => Promise.all(servers.map((server) => server.stop())))
  for (const scenario of chosen) {
    const serverConfig = scenario.pg
      ? { ...config, token: config.pgToken, userId: config.pgUserId }
      : scenario.mysql ? { ...config, token: config.mysqlToken } : config
    const server = await startServer(scenario, serverConfig)
    servers.push(server)
    await sanityCheck(server)
    await runLoad({ tool, url: server.url, authorization: server.authorization, durationSeconds: settings.warmupSeconds, connections: settings.connections })
  }

  const rounds = new Map(servers.map((server) => [server.scenario.id, []]))
  for (let r = 0; r < settings.rounds; r++) {
    // A different order each round, so no scenario always runs first or last.
    const order = servers.map((_, i) => servers[(i + r) % servers.length])
    for (const server of order) {
      const before = await server.usage()
      const measured = await runLoad({ tool, url: server.url, authorization: server.authorization, durationSeconds: settings.durationSeconds, connections: settings.connections })
      const after = await server.usage()
      const cpuUs = (after.cpu.user - before.cpu.user) + (after.cpu.system - before.cpu.system)
      const sample = {
        rps: measured.rps,
        p50Ms: measured.p50Ms,
        p99Ms: measured.p99Ms,
        requests: measured.requests,
        failed: measured.failed,
        cpuUsPerRequest: measured.requests > 0 ? cpuUs / measured.requests : null,
        rssMb: after.rss / 2 ** 20
      }
      if (measured.failed > 0) console.log(`  warning: ${server.scenario.id} had ${measured.failed} failed or non-2xx answers`)
      rounds.get(server.scenario.id).push(sample)
      console.log(`  round ${r + 1} ${server.scenario.id.padEnd(20)} ${Math.round(sample.rps).toString().padStart(7)} req/s  p99 ${sample.p99Ms.toFixed(2).padStart(7)} ms  ${sample.cpuUsPerRequest.toFixed(1).padStart(7)} µs CPU/req`)
    }
  }

  for (const server of servers) {
    const samples = rounds.get(server.scenario.id)
    results.scenarios.push({
      id: server.scenario.id,
      label: server.scenario.label,
      rps: median(samples.map((s) => s.rps)),
      p99Ms: median(samples.map((s) => s.p99Ms)),
      cpuUsPerRequest: median(samples.map((s) => s.cpuUsPerRequest)),
      failed: samples.reduce((sum, s) => sum + s.failed, 0),
      rounds: samples
    })
  }
  const byId = Object.fromEntries(results.scenarios.map((s) => [s.id, s]))
  for (const scenario of results.scenarios) {
    scenario.ratios = {}
    for (const [baseline] of BASELINES) scenario.ratios[baseline] = ratio(scenario.rps, byId[baseline]?.rps ?? null)
    const hand = SCENARIOS.find((s) => s.id === scenario.id).hand
    if (hand !== undefined && byId[hand] !== undefined) {
      scenario.hand = hand
      scenario.ratios.hand = ratio(scenario.rps, byId[hand].rps)
      // Per round: the two ran in the same round, under much the same load.
      scenario.handRoundRatios = scenario.rounds.map((sample, i) => round(ratio(sample.rps, byId[hand].rounds[i].rps), 3))
    }
  }
}

/** `chosen` without the scenarios `which` picks, each recorded as not run for `reason`. */
function skip (chosen, which, reason) {
  console.log(`skipping ${chosen.filter(which).map((s) => s.id).join(', ')}: ${reason}`)
  for (const scenario of chosen.filter(which)) results.skipped.push({ id: scenario.id, reason })
  return chosen.filter((scenario) => !which(scenario))
}

function startServer (scenario, config) {
  return new Promise((resolve, reject) => {
    const child = fork(join(BENCH, 'server.mjs'), [scenario.id], {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), BETTER_AUTH_TELEMETRY: '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    const pending = new Map()
    let next = 0
    const timer = setTimeout(() => reject(new Error(`${scenario.id}: no answer within 60 s`)), 60_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${scenario.id}: server exited with ${code}`))
      for (const { fail } of pending.values()) fail(new Error(`${scenario.id}: server exited`))
    })
    child.on('message', (message) => {
      if (message.type === 'ready') {
        clearTimeout(timer)
        resolve({
          scenario,
          url: `http://127.0.0.1:${message.port}/me`,
          authorization: message.authorization,
          usage () {
            return new Promise((resolve, reject) => {
              const id = ++next
              pending.set(id, { done: resolve, fail: reject })
              child.send({ type: 'usage', id })
            })
          },
          stop () {
            if (child.exitCode !== null || child.signalCode !== null) return
            return new Promise((resolve) => {
              const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
              child.removeAllListeners('exit')
              child.once('exit', () => { clearTimeout(kill); resolve() })
              child.send({ type: 'close' })
            })
          }
        })
      } else if (message.type === 'usage') {
        pending.get(message.id)?.done(message)
        pending.delete(message.id)
      }
    })
  })
}

/** Each server must answer the bench request with 200 and a user, and refuse a request without a token. */
async function sanityCheck (server) {
  const ok = await fetch(server.url, { headers: { authorization: server.authorization } })
  const body = await ok.json()
  if (ok.status !== 200 || typeof body?.email !== 'string') {
    throw new Error(`${server.scenario.id}: expected 200 with a user, got ${ok.status}`)
  }
  if (server.scenario.id !== 'bare') {
    const refused = await fetch(server.url)
    await refused.arrayBuffer()
    if (refused.status !== 401) throw new Error(`${server.scenario.id}: expected 401 without a token, got ${refused.status}`)
  }
}

/** bench/propagation.mjs: a revocation's delay between two processes, per dialect. */
function runPropagation () {
  const rounds = quick ? 20 : 200
  console.log(`\npropagation: ${rounds} revocations between two processes per dialect`)
  const result = spawnSync(process.execPath, [join(BENCH, 'propagation.mjs'), String(rounds)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (result.status !== 0) throw new Error('propagation.mjs failed')
  return JSON.parse(result.stdout.trim().split('\n').pop())
}

async function runScale () {
  const sizes = quick
    ? { smallRows: 1000, largeRows: 100_000, verifications: 100_000, latencyIterations: 20_000, rounds: 1 }
    : { smallRows: 1000, largeRows: 1_000_000, verifications: 1_000_000, latencyIterations: 100_000, rounds: 3 }
  const options = {
    ...sizes,
    lifetimeSeconds: 3600,
    smallFile: join(workdir, 'scale-small.db'),
    largeFile: join(workdir, 'scale-large.db'),
    secretsFile: join(workdir, 'scale-secrets.json')
  }
  console.log(`\nscale: verify latency at ${options.smallRows} and ${options.largeRows} rows, pruneExpired on ${options.largeRows} rows, RSS over ${options.verifications} verifications`)
  // Filled here, so the scale process's memory holds none of the load.
  const started = Date.now()
  const known = 1000
  const small = await createSqliteDatabase(options.smallFile, { rows: options.smallRows, known, lifetimeSeconds: options.lifetimeSeconds })
  // As many expired rows as live ones, for pruneExpired.
  const large = await createSqliteDatabase(options.largeFile, { rows: options.largeRows, known, lifetimeSeconds: options.lifetimeSeconds, expiredShare: 0.5 })
  writeFileSync(options.secretsFile, JSON.stringify({ small: { secrets: small.secrets }, large: { secrets: large.secrets } }))
  console.log(`  filled ${options.smallRows} and ${options.largeRows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const result = await new Promise((resolve, reject) => {
    const child = fork(join(BENCH, 'scale.mjs'), [], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, BENCH_SCALE: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    let message = null
    child.on('message', (received) => { message = received })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0 && message !== null) resolve(message)
      else reject(new Error(`scale.mjs exited with ${code}`))
    })
  })
  return result
}

function evaluateTargets () {
  const byId = Object.fromEntries(results.scenarios.map((s) => [s.id, s]))
  const targets = []
  function add (name, value, goal, pass, rounds = null) {
    targets.push({ name, value: value === null ? null : round(value, 3), goal, met: value === null ? null : pass(value), rounds })
  }
  // A throughput ratio is taken round by round: the two scenarios of a
  // round ran seconds apart, under much the same machine. The machine's
  // speed may move by a third between rounds of one run; that drift weighs
  // less on the median of the per-round ratios than on a ratio of medians.
  function compare (name, id, baseline, goal, pass) {
    const a = byId[id]
    const b = byId[baseline]
    if (a === undefined || b === undefined) return add(name, null, goal, pass)
    // A round where the baseline served nothing has no ratio.
    const perRound = a.rounds.map((sample, i) => ratio(sample.rps, b.rounds[i].rps)).filter(Number.isFinite)
    if (perRound.length === 0) return add(name, null, goal, pass)
    // Unrounded: the report rounds them once, to two digits.
    add(name, median(perRound), goal, pass, { min: Math.min(...perRound), max: Math.max(...perRound), ofMedians: round(ratio(a.rps, b.rps), 3) })
  }
  compare('plugin/SQLite vs hand-written SQLite', 'plugin-sqlite', 'sqlite-hand', '>= 0.9', (v) => v >= 0.9)
  compare('plugin/SQLite vs @fastify/jwt', 'plugin-sqlite', 'jwt', '>= 1.0', (v) => v >= 1.0)
  compare('plugin/SQLite vs better-auth', 'plugin-sqlite', 'better-auth', '>= 8', (v) => v >= 8)
  compare('plugin/SQLite: API key vs login token', 'plugin-sqlite-key', 'plugin-sqlite-keys-login', '>= 0.95', (v) => v >= 0.95)
  compare('plugin/SQLite, cache on, vs bare Fastify', 'plugin-sqlite-cache', 'bare', '>= 0.85', (v) => v >= 0.85)
  compare('plugin/PostgreSQL, cache on, vs bare Fastify', 'plugin-pg-cache', 'bare', '>= 0.8', (v) => v >= 0.8)
  // What a cache that keeps only digests cannot avoid: the hook and the SHA-256.
  const information = () => null
  compare('bare route + hook hashing the bearer (1d) vs bare Fastify', 'bare-digest', 'bare', 'for information', information)
  compare('plugin/SQLite, cache on, vs 1d', 'plugin-sqlite-cache', 'bare-digest', 'for information', information)
  compare('plugin/PostgreSQL, cache on, vs 1d', 'plugin-pg-cache', 'bare-digest', 'for information', information)
  compare('plugin/PostgreSQL vs hand-written node-postgres', 'plugin-pg', 'pg-hand', '>= 0.9', (v) => v >= 0.9)
  for (const id of ['plugin-libsql', 'plugin-node-sqlite', 'plugin-postgresjs', 'plugin-pglite', 'plugin-mysql']) {
    const scenario = SCENARIOS.find((s) => s.id === id)
    if (byId[id] !== undefined) compare(`${scenario.label.replace(/^\S+ /, '')} vs hand-written on the same driver`, id, scenario.hand, '>= 0.9', (v) => v >= 0.9)
  }
  const scale = results.scale
  if (scale !== null) {
    add(`verify latency, ${scale.verify.large.rows} vs ${scale.verify.small.rows} rows (${scale.verify.settings})`, scale.verify.ratio, '<= 1.25', (v) => v <= 1.25)
    add(`longest event-loop stall while pruning, ms (${scale.prune.settings})`, scale.prune.maxStallMs, '<= 50', (v) => v <= 50)
    add(`longest event-loop stall while pruning, ms (${scale.pruneFull.settings})`, scale.pruneFull.maxStallMs, 'for information', () => null)
    add(`RSS growth over ${scale.memory.verifications} verifications (MB)`, scale.memory.rssGrowthMb, `flat (<= ${scale.memory.flatLimitMb})`, (v) => v <= scale.memory.flatLimitMb)
  }
  return targets
}

function fmt (value, digits) {
  return value === null || value === undefined ? '–' : value.toFixed(digits)
}

function report () {
  const lines = []
  if (results.scenarios.length > 0) {
    lines.push(`| scenario | req/s | p99 ms | server CPU µs/req | ${BASELINES.map(([, title]) => title).join(' | ')} |`)
    lines.push(`|---|---:|---:|---:|${BASELINES.map(() => '---:').join('|')}|`)
    for (const s of results.scenarios) {
      const ratios = BASELINES.map(([id]) => fmt(s.ratios[id], 2))
      lines.push(`| ${s.label} | ${Math.round(s.rps)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.cpuUsPerRequest, 1)} | ${ratios.join(' | ')} |`)
    }
    const paired = results.scenarios.filter((s) => s.ratios.hand !== undefined)
    if (paired.length > 0) {
      lines.push('')
      lines.push('| driver: plugin / hand-written on that driver | req/s plugin | req/s hand-written | ratio of medians | per round |')
      lines.push('|---|---:|---:|---:|---|')
      for (const s of paired) {
        const hand = results.scenarios.find((h) => h.id === s.hand)
        lines.push(`| ${s.label} | ${Math.round(s.rps)} | ${Math.round(hand.rps)} | ${fmt(s.ratios.hand, 3)} | ${s.handRoundRatios.map((r) => fmt(r, 2)).join(', ')} |`)
      }
    }
    for (const skipped of results.skipped) lines.push(`\nNot run: ${skipped.id} (${skipped.reason})`)
  }
  const scale = results.scale
  if (scale !== null) {
    lines.push('')
    lines.push('| scale check | result |')
    lines.push('|---|---|')
    for (const v of [scale.verify]) {
      lines.push(`| verify, ${v.small.rows} rows (${v.settings}) | ${fmt(v.small.medianUs, 1)} µs median, ${fmt(v.small.p99Us, 1)} µs p99; hand-written lookup ${fmt(v.small.handMedianUs, 1)} µs |`)
      lines.push(`| verify, ${v.large.rows} rows (${v.settings}) | ${fmt(v.large.medianUs, 1)} µs median, ${fmt(v.large.p99Us, 1)} µs p99; hand-written lookup ${fmt(v.large.handMedianUs, 1)} µs |`)
      lines.push(`| verify, ${v.large.rows} vs ${v.small.rows} rows (${v.settings}) | ×${fmt(v.ratio, 2)} (hand-written lookup ×${fmt(v.handRatio, 2)}) |`)
    }
    for (const prune of [scale.prune, scale.pruneFull]) {
      lines.push(`| pruneExpired, ${prune.rows} rows, ${prune.deleted} expired (${prune.settings}) | ${fmt(prune.ms / 1000, 1)} s; longest event-loop stall ${fmt(prune.maxStallMs, 1)} ms, ${prune.stallsOverLimit} over ${prune.stallLimitMs} ms; event-loop delay p99 ${fmt(prune.delayP99Ms, 1)} ms |`)
    }
    lines.push(`| RSS over ${scale.memory.verifications} verifications | ${fmt(scale.memory.before.rssMb, 1)} MB → ${fmt(scale.memory.after.rssMb, 1)} MB (heap ${fmt(scale.memory.before.heapUsedMb, 1)} → ${fmt(scale.memory.after.heapUsedMb, 1)} MB) |`)
  }
  if (results.propagation !== undefined && results.propagation !== null) {
    lines.push('')
    lines.push('| propagation of a revocation, two processes | bound | p50 ms | p99 ms | max ms |')
    lines.push('|---|---:|---:|---:|---:|')
    for (const p of results.propagation) {
      if (p.skipped !== undefined) lines.push(`| ${p.dialect} | not run: ${p.skipped} | | | |`)
      else lines.push(`| ${p.dialect}, ${p.rounds} revocations | ${p.dialect === 'pg' ? 100 : 1000} | ${fmt(p.p50Ms, 1)} | ${fmt(p.p99Ms, 1)} | ${fmt(p.maxMs, 1)} |`)
    }
  }
  if (results.targets.length > 0) {
    lines.push('')
    lines.push('| target | goal | got | | rounds: lowest – highest | ratio of medians |')
    lines.push('|---|---|---:|---|---|---:|')
    for (const t of results.targets) {
      const verdict = t.goal === 'for information' ? '' : t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'
      const rounds = t.rounds === null || t.value === null ? ['', ''] : [`${fmt(t.rounds.min, 2)} – ${fmt(t.rounds.max, 2)}`, fmt(t.rounds.ofMedians, 3)]
      lines.push(`| ${t.name} | ${t.goal} | ${t.value === null ? '–' : t.value} | ${verdict} | ${rounds.join(' | ')} |`)
    }
  }
  console.log(`\n${lines.join('\n')}`)
}
