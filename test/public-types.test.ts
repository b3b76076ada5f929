// `npm run test:types` refuses `any` in a declaration file an application can
// reach from the package's entry points (scripts/check-public-types.mjs).
// The check runs on the package's build (dist/, which `npm install` and CI
// make before the tests), and on folders made for it.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

const check = (dist?: string): { status: number | null, output: string } => {
  const run = spawnSync(process.execPath, ['scripts/check-public-types.mjs', ...(dist === undefined ? [] : [dist])], { encoding: 'utf8' })
  return { status: run.status, output: run.stdout + run.stderr }
}

function distWith (t: Test, files: Record<string, string>): string {
  const dist = mkdtempSync(join(tmpdir(), 'public-types-'))
  t.teardown(() => rmSync(dist, { recursive: true, force: true }))
  mkdirSync(join(dist, 'lib', 'internal'), { recursive: true })
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dist, file), text)
  return dist
}

t.test("the package's public types have no any", async (t) => {
  const { status, output } = check()
  t.equal(status, 0, output)
  t.match(output, /^No any in the \d+ public declaration files\./)
})

t.test('an any reached through an import fails the check and is named; comments and unreachable files do not count', async (t) => {
  const dist = distWith(t, {
    'index.d.ts': "/** Takes any value. */\nexport type { Options } from './lib/options.js';\n",
    'lib/options.d.ts': "import type { Database } from './internal/db.js';\nexport interface Options {\n  // any database\n  database: Database;\n}\n",
    'lib/internal/db.d.ts': 'export type Database = {\n  run(query: any): void;\n};\n',
    'lib/unused.d.ts': 'export type Loose = any;\n'
  })
  const { status, output } = check(dist)
  t.equal(status, 1)
  t.match(output, 'lib/internal/db.d.ts:2: run(query: any): void;')
  t.notMatch(output, 'unused')
  t.notMatch(output, 'options.d.ts')
})

t.test('declarations without any pass', async (t) => {
  const dist = distWith(t, {
    'index.d.ts': "export type { Options } from './lib/options.js';\nimport type { Options as Same } from './lib/options.js';\n",
    'lib/options.d.ts': '/** any */\nexport interface Options { company: string; anyway: unknown }\n'
  })
  const { status, output } = check(dist)
  t.equal(status, 0, output)
  t.match(output, 'No any in the 2 public declaration files.')
})

t.test('a folder without the build is an error that says so', async (t) => {
  const { status, output } = check(distWith(t, {}))
  t.equal(status, 1)
  t.match(output, 'build first')
})
