// `npm run test:types` compiles every ```ts and ```js block of the README
// (scripts/readme-snippets.mjs writes each to a file of its own): none may
// escape it, and a block the check cannot take fails it rather than being skipped.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import t, { type Test } from 'tap'

const extract = (readme: string, out: string): { status: number | null, output: string } => {
  const run = spawnSync(process.execPath, ['scripts/readme-snippets.mjs', '--readme', readme, '--out', out], { encoding: 'utf8' })
  return { status: run.status, output: run.stdout + run.stderr }
}

/** The files the script wrote, by path under `out`, in the README's order, with their text. */
const written = (out: string): Map<string, string> => new Map(
  readdirSync(out, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js)$/.test(file))
    .sort((a, b) => basename(a).localeCompare(basename(b)))
    .map((file) => [file, readFileSync(join(out, file), 'utf8')])
)

function folder (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'readme-snippets-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function readmeWith (t: Test, text: string): { readme: string, out: string } {
  const dir = folder(t)
  writeFileSync(join(dir, 'README.md'), text)
  return { readme: join(dir, 'README.md'), out: join(dir, 'out') }
}

t.test('every ts and js block of the README is written out, each whole', async (t) => {
  const text = readFileSync('README.md', 'utf8')
  // Counted here without the script's parser: fences, indented ones included.
  const fences = text.match(/^ *```(ts|typescript|js|javascript) *$/gm) ?? []
  t.ok(fences.length >= 20, `${fences.length} code blocks`)
  const out = join(folder(t), 'out')
  const { status, output } = extract('README.md', out)
  t.equal(status, 0, output)
  t.match(output, `${fences.length} code blocks of README.md written`)
  const files = written(out)
  t.equal(files.size, fences.length)
  // Each block's last line of code is in its file, in the README's order.
  const lasts = [...text.matchAll(/^ *```(?:ts|typescript|js|javascript) *\n([\s\S]*?)\n *```$/gm)].map((match) => match[1].split('\n').at(-1)!.trim())
  t.same([...files.values()].map((content) => content.split('\n').at(-3)!.trim()), lasts)
  t.ok([...files.keys()].some((file) => file.startsWith('declared')), 'the user type declaration has a program of its own')
})

t.test('a block imports what it uses from the prelude, unless it declares it', async (t) => {
  const { readme, out } = readmeWith(t, [
    'Text.', '',
    '```ts', 'await app.register(accessTokens, { database: db, cookie: true })', '```', '',
    '- In a list:', '',
    '  ```ts', "  import Fastify from 'fastify'", '  const app = Fastify()', "  app.get('/', home)", '  ```', '',
    '```js', "import * as assert from 'node:assert'", 'const { email, list: [password] } = { email: "a@example.com", list: ["secret"] }', 'assert.ok(email !== password)', '```', '',
    '```sh', 'npm start', '```', '',
    '```toml', 'a = 1', '```', '',
    '```json', '{ "statusCode": 401 }', '```', '',
    '```ts', "import 'fastify-access-tokens'", '',
    "declare module 'fastify-access-tokens' {", '  interface FastifyAccessTokens { user: { id: number } }', '}', '```', ''
  ].join('\n'))
  const { status, output } = extract(readme, out)
  t.equal(status, 0, output)
  t.match(output, '4 code blocks of')
  t.match(output, '(1 declaring the user type); 1 JSON blocks parsed.')
  const files = written(out)
  t.same([...files.keys()], [join('default', 'snippet-01.ts'), join('default', 'snippet-02.ts'), join('default', 'snippet-03.js'), join('declared', 'snippet-04.ts')])
  const [first, second, third, declaring] = files.values()
  t.match(first, "import { accessTokens, app, db } from '../../readme-prelude.js'\nawait app.register(")
  t.match(first, /README line = line here \+ 1\./)
  t.match(second, "import { home } from '../../readme-prelude.js'\nimport Fastify from 'fastify'\nconst app = Fastify()\n")
  // Names bound by destructuring are the block's own: no prelude import.
  t.match(third, /\n\nimport \* as assert from 'node:assert'\n/)
  t.notMatch(declaring, 'readme-prelude')
})

t.test('what the check cannot take fails it, naming the line', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['a block of another language', 'Intro.\n\n```tsx\nconst a = <b />\n```\n', /README\.md:3: a code block of language 'tsx'/],
    ['a block of no language', '```\nnpm test\n```\n', /README\.md:1: a code block of language ''/],
    ['a block never closed', 'x\n```ts\nconst a = 1\n', /README\.md:2: a code block that is never closed/],
    ['JSON that does not parse', '```json\n{ "a": }\n```\n', /README\.md:1: a JSON block that does not parse/],
    ['a declaration of a module\'s types in a script',
      "```ts\ndeclare module 'fastify-access-tokens' {\n  interface FastifyAccessTokens { user: { id: number } }\n}\n```\n",
      /README\.md:1: a block that declares a module's types must import or export something/]
  ]
  for (const [what, text, message] of cases) {
    const { readme, out } = readmeWith(t, text)
    const { status, output } = extract(readme, out)
    t.equal(status, 1, what)
    t.match(output, message, what)
  }
})
