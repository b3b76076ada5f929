// Fails when a declaration file an application can reach (dist/index.d.ts,
// the schema entry points, and every file they import) says `any`: the
// public types say what each value is. Run by `npm run test:types`, after
// the build; the folder to check can be given (the test gives one with an any).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const dist = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..', 'dist'))
const ENTRY_POINTS = ['index.d.ts', 'lib/schema/sqlite.d.ts', 'lib/schema/pg.d.ts', 'lib/schema/mysql.d.ts']
const IMPORT = /^\s*(?:import|export)\b[^'"]*?(?:from\s+)?['"](\.[^'"]+)['"]/gm
// Comments may speak of "any"; only code counts.
const COMMENT = /\/\*[\s\S]*?\*\/|\/\/.*$/gm

const found = []
const seen = new Set()
const pending = ENTRY_POINTS.map((file) => join(dist, file)).filter((file) => existsSync(file))
if (pending.length === 0) {
  console.error(`no declaration files in ${dist}: build first`)
  process.exit(1)
}
while (pending.length > 0) {
  const file = pending.pop()
  if (seen.has(file)) continue
  seen.add(file)
  const code = readFileSync(file, 'utf8').replace(COMMENT, (comment) => comment.replace(/[^\n]/g, ''))
  code.split('\n').forEach((line, index) => {
    if (/\bany\b/.test(line)) found.push(`${relative(dist, file)}:${index + 1}: ${line.trim()}`)
  })
  for (const match of code.matchAll(IMPORT)) pending.push(resolve(dirname(file), match[1].replace(/\.js$/, '.d.ts')))
}
if (found.length > 0) {
  console.error(`any in the public types:\n${found.join('\n')}`)
  process.exit(1)
}
console.log(`No any in the ${seen.size} public declaration files.`)
