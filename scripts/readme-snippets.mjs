// The README's code, checked: every ```ts and ```js block of README.md becomes
// a file of its own under test/types/readme/, which `npm run test:types`
// compiles against the built package, as an application would. A block may
// use the names test/types/readme-prelude.ts exports (`app`, `db`, route
// handlers...) without declaring them: the file imports those it uses and
// does not declare itself. Blocks that declare the user type
// (`declare module 'fastify-access-tokens'`) go to a program of their own,
// since such a declaration applies to the whole program. ```json blocks must
// parse; ```sh, ```toml and ```text blocks are left alone; a block of any
// other language (or none) is refused, so that no code escapes the check.
//
//   node scripts/readme-snippets.mjs [--readme README.md] [--out test/types/readme]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import ts from 'typescript'

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..')
const PRELUDE = join(ROOT, 'test', 'types', 'readme-prelude.ts')
const CODE = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' }
const IGNORED = new Set(['sh', 'toml', 'text'])

const { values: args } = parseArgs({
  options: {
    readme: { type: 'string', default: join(ROOT, 'README.md') },
    out: { type: 'string', default: join(ROOT, 'test', 'types', 'readme') }
  }
})
const readme = resolve(args.readme)
const out = resolve(args.out)
const name = relative(process.cwd(), readme)

const errors = []

/** The fenced blocks of a Markdown text: language, the line of the opening fence, the code without its indent. */
function blocks (text) {
  const found = []
  let open = null
  text.split('\n').forEach((line, index) => {
    const fence = /^( *)(`{3,})\s*(\S*)\s*$/.exec(line)
    if (open === null) {
      if (fence !== null) open = { indent: fence[1].length, ticks: fence[2], lang: fence[3], line: index + 1, lines: [] }
    } else if (fence !== null && fence[2] === open.ticks && fence[3] === '') {
      found.push({ lang: open.lang, line: open.line, code: open.lines.map((l) => l.slice(open.indent)).join('\n') + '\n' })
      open = null
    } else {
      open.lines.push(line)
    }
  })
  if (open !== null) errors.push(`${name}:${open.line}: a code block that is never closed`)
  return found
}

function parse (code, file) {
  return ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS)
}

/** The names a file binds at its top level. */
function declared (source) {
  const names = new Set()
  const bind = (node) => {
    if (node === undefined) return
    if (ts.isIdentifier(node)) names.add(node.text)
    else if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) node.elements.forEach((element) => bind(element.name))
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      bind(clause?.name)
      const bindings = clause?.namedBindings
      if (bindings !== undefined) {
        if (ts.isNamespaceImport(bindings)) bind(bindings.name)
        else bindings.elements.forEach((element) => bind(element.name))
      }
    } else if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((declaration) => bind(declaration.name))
    } else {
      bind(statement.name)
    }
  }
  return names
}

/** The names a file refers to: identifiers that are not a property's or a re-export's name. */
function used (source) {
  const names = new Set()
  const visit = (node) => {
    const parent = node.parent
    const naming = (ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node
    if (ts.isIdentifier(node) && !naming && !ts.isExportSpecifier(parent)) names.add(node.text)
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(source, visit)
  return names
}

/** Whether a file declares the types of a module (`declare module '...'`), and whether it is a module itself. */
function augmentation (source) {
  const augments = source.statements.some((statement) => ts.isModuleDeclaration(statement) && ts.isStringLiteral(statement.name))
  const isModule = source.statements.some((statement) => ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) || ts.isExportAssignment(statement))
  return { augments, isModule }
}

/** The names a module exports: its exported declarations and re-exports. */
function exports (source) {
  const names = []
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) statement.exportClause.elements.forEach((element) => names.push(element.name.text))
    else if (statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) names.push(...declared({ statements: [statement] }))
  }
  return names
}

const exported = exports(parse(readFileSync(PRELUDE, 'utf8'), PRELUDE))
const text = readFileSync(readme, 'utf8')
const files = []
let json = 0
for (const block of blocks(text)) {
  const where = `${name}:${block.line}`
  if (block.lang === 'json') {
    try {
      JSON.parse(block.code)
      json++
    } catch (error) {
      errors.push(`${where}: a JSON block that does not parse: ${error.message}`)
    }
    continue
  }
  if (IGNORED.has(block.lang)) continue
  const kind = CODE[block.lang]
  if (kind === undefined) {
    errors.push(`${where}: a code block of language '${block.lang}': give it one of ts, js, json, ${[...IGNORED].join(', ')}`)
    continue
  }
  const source = parse(block.code, `snippet.${kind}`)
  const { augments, isModule } = augmentation(source)
  if (augments && !isModule) {
    errors.push(`${where}: a block that declares a module's types must import or export something, or the declaration replaces the module's types instead of extending them`)
    continue
  }
  const own = declared(source)
  const refers = used(source)
  const needed = exported.filter((n) => refers.has(n) && !own.has(n))
  const number = String(files.length + 1).padStart(2, '0')
  const file = join(augments ? 'declared' : 'default', `snippet-${number}.${kind}`)
  const prelude = needed.length === 0 ? '' : `import { ${needed.join(', ')} } from '../../readme-prelude.js'`
  const header = `// ${name}:${block.line}, generated by scripts/readme-snippets.mjs: edit the README, not this file. README line = line here + ${block.line - 2}.`
  files.push({ file, content: `${header}\n${prelude}\n${block.code}export {}\n` })
}

if (errors.length > 0) {
  for (const error of errors) console.error(error)
  process.exit(1)
}
rmSync(out, { recursive: true, force: true })
for (const { file, content } of files) {
  mkdirSync(dirname(join(out, file)), { recursive: true })
  writeFileSync(join(out, file), content)
}
const declaring = files.filter(({ file }) => file.startsWith('declared')).length
console.log(`${files.length} code blocks of ${name} written to ${relative(process.cwd(), out)} (${declaring} declaring the user type); ${json} JSON blocks parsed.`)
