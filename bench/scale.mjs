// The scale checks, in a process of their own (started by run.mjs with
// --expose-gc and BENCH_SCALE, after it filled the two databases):
// - verify latency with a small and a large token table (the large one holds
//   as many expired rows as live ones), with the hand-written lookup beside it;
// - RSS and heap before and after many verifications;
// - pruneExpired on the large table: time taken and the event-loop stalls,
//   with WAL and synchronous NORMAL (SQLite's recommended setting for WAL,
//   as the README shows), and on a copy with synchronous FULL (an fsync at
//   every commit), which shows what the disk adds.
import { createHash } from 'node:crypto'
import { copyFileSync, readFileSync } from 'node:fs'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import accessTokens from '../dist/index.js'
import { openSqlite, LOOKUP_COLUMNS } from './lib/databases.mjs'
import { median, percentile } from './lib/stats.mjs'

const options = JSON.parse(process.env.BENCH_SCALE)
const MB = 2 ** 20
// A prime step walks every known token in an order unrelated to the table's.
const STRIDE = 7919
const STALL_MS = 50

async function openApp (file, pragmas = []) {
  const db = openSqlite(file)
  for (const pragma of pragmas) db.pragma(pragma)
  const app = Fastify()
  await app.register(accessTokens, { database: drizzle({ client: db }), lifetimeSeconds: options.lifetimeSeconds, routes: false })
  await app.ready()
  const hand = db.prepare(`select ${LOOKUP_COLUMNS} from access_token t join user u on u.id = t.user_id where t.token = ?`)
  return { app, db, hand }
}

async function closeApp (target) {
  await target.app.close()
  target.db.close()
}

// Per-call times; the median is what a request pays, robust to the other
// processes of a busy machine, and p99 shows the tail.
async function timeVerify (target, secrets, iterations) {
  const api = target.app.accessTokens
  const samples = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const secret = secrets[(i * STRIDE) % secrets.length]
    const start = performance.now()
    const found = await api.verify(secret)
    samples[i] = performance.now() - start
    if (found === null) throw new Error('a known token did not verify')
  }
  return summarize(samples)
}

function timeHand (target, secrets, iterations) {
  const samples = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const secret = secrets[(i * STRIDE) % secrets.length]
    const start = performance.now()
    const row = target.hand.get(createHash('sha256').update(secret).digest('base64url'))
    samples[i] = performance.now() - start
    if (row === undefined) throw new Error('a known token was not found')
  }
  return summarize(samples)
}

function summarize (samples) {
  return { medianUs: percentile(samples, 50) * 1000, p99Us: percentile(samples, 99) * 1000 }
}

function memory () {
  globalThis.gc()
  globalThis.gc()
  const { rss, heapUsed } = process.memoryUsage()
  return { rssMb: rss / MB, heapUsedMb: heapUsed / MB }
}

/** Verify latency at both sizes, the two tables measured in turn, `rounds` times. */
async function latencies (smallApp, largeApp, label) {
  const targets = [[smallApp, small.secrets], [largeApp, large.secrets]]
  // Warm up: the first use of each token records last_used_at (one write
  // per token per minute at most); the measured passes find it recent.
  for (const [target, secrets] of targets) {
    await timeVerify(target, secrets, secrets.length)
    await timeVerify(target, secrets, options.latencyIterations / 5)
    timeHand(target, secrets, options.latencyIterations / 5)
  }
  const samples = { small: [], large: [], smallHand: [], largeHand: [] }
  for (let r = 0; r < options.rounds; r++) {
    samples.small.push(await timeVerify(smallApp, small.secrets, options.latencyIterations))
    samples.large.push(await timeVerify(largeApp, large.secrets, options.latencyIterations))
    samples.smallHand.push(timeHand(smallApp, small.secrets, options.latencyIterations))
    samples.largeHand.push(timeHand(largeApp, large.secrets, options.latencyIterations))
  }
  const sized = (rows, verify, hand) => ({
    rows,
    medianUs: median(verify.map((s) => s.medianUs)),
    p99Us: median(verify.map((s) => s.p99Us)),
    handMedianUs: median(hand.map((s) => s.medianUs)),
    handP99Us: median(hand.map((s) => s.p99Us))
  })
  const result = {
    settings: label,
    iterations: options.latencyIterations,
    rounds: options.rounds,
    small: sized(options.smallRows, samples.small, samples.smallHand),
    large: sized(options.largeRows, samples.large, samples.largeHand)
  }
  result.ratio = result.large.medianUs / result.small.medianUs
  result.handRatio = result.large.handMedianUs / result.small.handMedianUs
  console.log(`  verify (median, ${label}): ${result.small.medianUs.toFixed(1)} µs at ${options.smallRows} rows, ${result.large.medianUs.toFixed(1)} µs at ${options.largeRows} rows (×${result.ratio.toFixed(2)}; hand-written lookup ×${result.handRatio.toFixed(2)})`)
  return result
}

/**
 * pruneExpired with two probes of the event loop: a 1 ms interval's drift
 * (the longest gap, and how many gaps exceed STALL_MS) and perf_hooks'
 * delay histogram.
 */
async function measurePrune (target, label) {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  let last = performance.now()
  let maxGap = 0
  let stalls = 0
  const probe = setInterval(() => {
    const now = performance.now()
    maxGap = Math.max(maxGap, now - last)
    if (now - last - 1 > STALL_MS) stalls++
    last = now
  }, 1)
  histogram.enable()
  await new Promise((resolve) => setTimeout(resolve, 20))
  histogram.reset()
  maxGap = 0
  stalls = 0
  last = performance.now()
  const started = performance.now()
  const deleted = await target.app.accessTokens.pruneExpired()
  const ms = performance.now() - started
  clearInterval(probe)
  histogram.disable()
  const prune = {
    settings: label,
    rows: options.largeRows,
    deleted,
    left: target.db.prepare('select count(*) as n from access_token').get().n,
    ms,
    maxStallMs: Math.max(maxGap - 1, histogram.max / 1e6 - 1),
    stallsOverLimit: stalls,
    stallLimitMs: STALL_MS,
    delayP50Ms: histogram.percentile(50) / 1e6,
    delayP99Ms: histogram.percentile(99) / 1e6
  }
  console.log(`  pruneExpired (${label}): ${deleted} of ${options.largeRows} rows in ${(ms / 1000).toFixed(1)} s, longest stall ${prune.maxStallMs.toFixed(1)} ms, ${stalls} over ${STALL_MS} ms, event-loop delay p99 ${prune.delayP99Ms.toFixed(1)} ms`)
  return prune
}

const { smallFile, largeFile } = options
const { small, large } = JSON.parse(readFileSync(options.secretsFile, 'utf8'))

const smallApp = await openApp(smallFile)
let largeApp = await openApp(largeFile)
const verify = await latencies(smallApp, largeApp, 'WAL, SQLite defaults')

// RSS over many verifications of the known tokens of the small table.
await timeVerify(smallApp, small.secrets, Math.min(50_000, options.verifications))
const before = memory()
const trail = []
const every = options.verifications / 10
const api = smallApp.app.accessTokens
const memoryStart = performance.now()
for (let i = 0; i < options.verifications; i++) {
  if (await api.verify(small.secrets[(i * STRIDE) % small.secrets.length]) === null) throw new Error('a known token did not verify')
  if ((i + 1) % every === 0) trail.push(Math.round(process.memoryUsage().rss / MB))
}
const memorySeconds = (performance.now() - memoryStart) / 1000
const after = memory()
const memoryResult = {
  verifications: options.verifications,
  seconds: memorySeconds,
  before,
  after,
  rssTrailMb: trail,
  rssGrowthMb: after.rssMb - before.rssMb,
  heapGrowthMb: after.heapUsedMb - before.heapUsedMb,
  // Within allocator noise: a leak of even 8 bytes per verification of a million would show 8 MB.
  flatLimitMb: 8
}
console.log(`  RSS: ${before.rssMb.toFixed(1)} MB -> ${after.rssMb.toFixed(1)} MB over ${options.verifications} verifications (${memorySeconds.toFixed(1)} s)`)

await closeApp(smallApp)
await closeApp(largeApp)

// A copy of the large table for the run with an fsync at every commit.
const copy = `${largeFile}.copy`
copyFileSync(largeFile, copy)
largeApp = await openApp(largeFile, ['synchronous = NORMAL'])
const prune = await measurePrune(largeApp, 'WAL, synchronous NORMAL')
await closeApp(largeApp)
largeApp = await openApp(copy, ['synchronous = FULL'])
const pruneFull = await measurePrune(largeApp, 'WAL, synchronous FULL')
await closeApp(largeApp)

process.send({ verify, memory: memoryResult, prune, pruneFull }, () => process.disconnect())
