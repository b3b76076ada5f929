// Fails when the modules of lib/ import each other in a cycle, type-only
// imports included: a cycle makes the load order decide what is defined, and
// the types of a leaf module are what the rest builds on. Run by `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

// The package's root, or the folder given (the test gives one with a cycle).
const root = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..'))
const files = ['index.ts', ...readdirSync(join(root, 'lib'), { recursive: true }).filter((file) => file.endsWith('.ts')).map((file) => join('lib', file))]
const IMPORT = /^\s*(?:import|export)\b[^'"]*?(?:from\s+)?'(\.[^']+)'/gm

/** Each module's imports of other modules of the package, as paths from the root. */
const graph = new Map(files.map((file) => {
  const source = readFileSync(join(root, file), 'utf8')
  const targets = [...source.matchAll(IMPORT)].map((match) => relative(root, resolve(root, dirname(file), match[1].replace(/\.js$/, '.ts'))))
  return [file, targets]
}))

const cycles = []
const state = new Map() // file -> 'visiting' | 'done'
function visit (file, path) {
  if (state.get(file) === 'done') return
  if (state.get(file) === 'visiting') {
    cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
    return
  }
  state.set(file, 'visiting')
  for (const target of graph.get(file) ?? []) visit(target, [...path, file])
  state.set(file, 'done')
}
for (const file of graph.keys()) visit(file, [])

if (cycles.length > 0) {
  console.error(`Import cycles in lib/:\n${cycles.map((cycle) => `  ${cycle}`).join('\n')}`)
  process.exit(1)
}
console.log(`No import cycle among ${graph.size} modules.`)
