// `npm run lint` refuses an import cycle among the package's modules, type-only
// imports included (scripts/check-cycles.mjs); the package has none.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const check = (root?: string): { status: number | null, output: string } => {
  const run = spawnSync(process.execPath, ['scripts/check-cycles.mjs', ...(root === undefined ? [] : [root])], { encoding: 'utf8' })
  return { status: run.status, output: run.stdout + run.stderr }
}

t.test('the package has no import cycle', async (t) => {
  const { status, output } = check()
  t.equal(status, 0, output)
  t.match(output, /^No import cycle among \d+ modules\./)
})

t.test('a cycle, through a type-only import, fails the check and is named', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'cycles-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'lib'))
  // An import of something that is not a module of lib/ (JSON here) ends a path.
  writeFileSync(join(root, 'index.ts'), "import './package.json' with { type: 'json' }\nexport { a } from './lib/a.js'\n")
  writeFileSync(join(root, 'lib', 'a.ts'), "import type { B } from './b.js'\nexport const a = (b: B): B => b\n")
  writeFileSync(join(root, 'lib', 'b.ts'), "import {\n  a\n} from './a.js'\nexport type B = typeof a\n")
  const { status, output } = check(root)
  t.equal(status, 1)
  t.match(output, 'lib/a.ts -> lib/b.ts -> lib/a.ts')
})
