// The cookie transport in a real browser: the example server in a child
// process, driven by Debian's Chromium through playwright-core.
// Run with `npm run test:e2e`; it needs /usr/bin/chromium and no download.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { chromium, type Page, type Response } from 'playwright-core'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CHROMIUM = '/usr/bin/chromium'
const COOKIE = '__Host-access_token'

/** How the server answered one request, read from its own request log. */
interface Answer {
  method: string
  url: string
  status: number
  /** The error code the answer carried, if any. */
  code: unknown
}

interface Example {
  url: string
  email: string
  password: string
  output: () => string
  /** The next answer to `method path`, as the server logs it. Call before sending. */
  nextAnswer: (method: string, path: string) => Promise<Answer>
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>
}

/** Starts example/server.ts on a free port with its own database file. */
async function startExample (database: string): Promise<Example> {
  // tap's loaders stay out of the server: it runs under tsx, as `npm start` does.
  const { NODE_OPTIONS: _tapOptions, ...env } = process.env
  // At level info, Fastify logs every request and every 4xx error with its code:
  // what the server answered, whether or not the browser shows it to a page.
  const child = spawn(process.execPath, ['--import', 'tsx', 'example/server.ts'], {
    cwd: ROOT,
    env: { ...env, PORT: '0', HOST: '127.0.0.1', DATABASE: database, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  let partial = ''
  const requests = new Map<string, { method: string, url: string, code?: unknown }>()
  const answers: Answer[] = []
  const waiting = new Set<() => void>()
  function logLine (line: string): void {
    if (!line.startsWith('{')) return
    const entry = JSON.parse(line) as { reqId?: string, msg?: string, req?: { method: string, url: string }, res?: { statusCode: number }, err?: { code?: unknown } }
    if (entry.reqId === undefined) return
    if (entry.req !== undefined) requests.set(entry.reqId, { method: entry.req.method, url: entry.req.url })
    const request = requests.get(entry.reqId)
    if (request === undefined) return
    if (entry.err?.code !== undefined) request.code = entry.err.code
    if (entry.msg === 'request completed' && entry.res !== undefined) {
      answers.push({ method: request.method, url: request.url, status: entry.res.statusCode, code: request.code })
      for (const wake of waiting) wake()
    }
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    for (const line of lines) logLine(line)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = once(child, 'exit').then(([code]) => code as number | null)

  const listening = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = (): void => {
      const found = /^Listening on (http:\/\/\S+)$/m.exec(output)
      if (found !== null) {
        child.stdout.off('data', check)
        resolve(found)
      }
    }
    child.stdout.on('data', check)
    exited.then((code) => reject(new Error(`example server exited (${code}) before listening:\n${output}`)), reject)
  })
  const demo = /^Demo user: (\S+) \/ (\S+)/m.exec(output)
  if (demo === null) throw new Error(`no demo user printed:\n${output}`)

  return {
    url: listening[1],
    email: demo[1],
    password: demo[2],
    output: () => output,
    nextAnswer (method, path) {
      const from = answers.length
      return new Promise((resolve, reject) => {
        // Fail the step, rather than the whole run at tap's timeout.
        const timer = setTimeout(() => {
          waiting.delete(wake)
          reject(new Error(`the server logged no answer to ${method} ${path}`))
        }, 15_000)
        const wake = (): void => {
          const answer = answers.slice(from).find((a) => a.method === method && a.url === path)
          if (answer === undefined) return
          clearTimeout(timer)
          waiting.delete(wake)
          resolve(answer)
        }
        waiting.add(wake)
      })
    },
    async stop () {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    }
  }
}

/**
 * A page on another origin: same host, another port. That is the same site
 * to the browser, so a SameSite=Lax cookie rides along on its requests, and
 * only the plugin's Origin check stands between it and the session.
 */
async function startOtherOrigin (target: string): Promise<{ url: string, server: Server }> {
  const page = `<!doctype html>
<title>another origin</title>
<form id="form-logout-all" method="post" action="${target}/auth/logout-all"><button>logout-all</button></form>
<form id="form-notes" method="post" action="${target}/notes"><input name="text" value="forged by a form"><button>notes</button></form>
<script>
  // A cross-origin POST with no custom header is a "simple" request: no
  // preflight, the browser sends it with the cookie and hides the answer.
  window.forge = (path, body) => fetch(${JSON.stringify(target)} + path, {
    method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body
  }).then((response) => 'status ' + response.status, (error) => 'blocked: ' + error.message)
</script>`
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const folder = await mkdtemp(join(tmpdir(), 'fastify-access-tokens-e2e-'))
t.teardown(() => rm(folder, { recursive: true, force: true }))

const example = await startExample(join(folder, 'demo.db'))
t.teardown(async () => { await example.stop() })
const other = await startOtherOrigin(example.url)
t.teardown(() => new Promise<void>((resolve) => other.server.close(() => resolve())))

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
})
t.teardown(() => browser.close())
const context = await browser.newContext()
const page = await context.newPage()
page.setDefaultTimeout(15_000)

// Screenshots of failed steps go to a folder of their own that outlives the run.
let shots: string | null = null
async function screenshot (name: string, target: Page): Promise<void> {
  try {
    shots ??= await mkdtemp(join(tmpdir(), 'fastify-access-tokens-e2e-failure-'))
    const path = join(shots, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`)
    await target.screenshot({ path, fullPage: true })
    console.error(`screenshot of the failed step "${name}": ${path}`)
  } catch (error) {
    console.error(`no screenshot of "${name}": ${String(error)}`)
  }
}

/** A subtest that leaves a screenshot of the page behind when it fails. */
function step (name: string, fn: (t: Test) => Promise<void>, target: () => Page = () => page): void {
  t.test(name, async (t) => {
    try {
      await fn(t)
    } catch (error) {
      await screenshot(name, target())
      throw error
    }
    if (!t.passing()) await screenshot(name, target())
  })
}

/** The token cookie as the browser holds it; the test reads it, the page cannot. */
async function tokenCookie (): Promise<{ value: string, httpOnly: boolean, sameSite: string, secure: boolean, path: string, domain: string } | undefined> {
  return (await context.cookies(example.url)).find((cookie) => cookie.name === COOKIE)
}

/** A request from outside the browser, carrying the given cookie value. */
function withCookie (path: string, value: string, init: RequestInit = {}): Promise<globalThis.Response> {
  return fetch(example.url + path, { ...init, headers: { ...init.headers, cookie: `${COOKIE}=${value}` } })
}

const signedIn = (): Promise<string> => page.locator('#who').innerText()

// The session under test, read from the browser's cookie jar.
let token = ''
// A second session of the same user, made with the Bearer transport.
let bearerToken = ''

step('the login form signs the demo user in', async (t) => {
  await page.goto(example.url)
  await page.locator('#login-form').waitFor()
  t.notOk(await tokenCookie(), 'no token cookie before signing in')
  await page.fill('#email', example.email)
  await page.fill('#password', 'not the password')
  await page.click('#login')
  await page.locator('#message', { hasText: 'Bad credentials' }).waitFor()
  t.ok(await page.locator('#signed-out').isVisible(), 'a wrong password leaves the page signed out')

  await page.fill('#password', example.password)
  await page.click('#login')
  await page.locator('#signed-in').waitFor()
  t.equal(await signedIn(), example.email, 'the page shows who is signed in')

  const cookie = await tokenCookie()
  t.ok(cookie, 'the browser holds the token cookie')
  t.equal(cookie!.httpOnly, true, 'HttpOnly')
  t.equal(cookie!.sameSite, 'Lax', 'SameSite=Lax')
  t.equal(cookie!.secure, true, 'Secure, as a __Host- cookie must be, though the page is on http://127.0.0.1')
  t.equal(cookie!.path, '/', 'path /')
  t.equal(cookie!.domain, '127.0.0.1', 'no Domain attribute: this host only')
  t.match(cookie!.value, /^[A-Za-z0-9_-]{43}$/, 'a 43-character base64url secret')
  token = cookie!.value
})

step('a reload keeps the session', async (t) => {
  await page.reload()
  await page.locator('#signed-in').waitFor()
  t.equal(await signedIn(), example.email)
  t.equal((await tokenCookie())?.value, token, 'the same token')
})

step('document.cookie does not hold the token', async (t) => {
  const visible = await page.evaluate('document.cookie') as string
  t.notOk(visible.includes(token), 'the secret is not readable by scripts')
  t.notOk(visible.includes(`${COOKIE}=`), 'the cookie is not listed at all')
})

step('the sessions list shows the current session', async (t) => {
  const login = await fetch(`${example.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: example.email, password: example.password })
  })
  t.equal(login.status, 200, 'a second session, by Bearer')
  bearerToken = (await login.json() as { access_token: string }).access_token

  const listed = await withCookie('/auth/sessions', token)
  t.equal(listed.status, 200)
  const sessions = await listed.json() as Array<{ id: string, current: boolean }>
  t.equal(sessions.length, 2)
  const current = sessions.find((session) => session.current)!

  await page.reload()
  const items = page.locator('#sessions li')
  await items.nth(1).waitFor()
  t.equal(await items.count(), 2, 'both sessions are listed')
  const marked = page.locator('#sessions li[data-current="true"]')
  t.equal(await marked.count(), 1, 'exactly one is marked current')
  t.equal(await marked.getAttribute('data-id'), current.id, 'the marked one is this browser\'s session')
  t.match(await marked.innerText(), /This browser/)
})

step('a note added on the page is saved', async (t) => {
  await page.fill('#note-text', 'written in the browser')
  await page.click('#note-form button')
  await page.locator('#notes li', { hasText: 'written in the browser' }).waitFor()
  const notes = await (await withCookie('/notes', token)).json() as Array<{ text: string }>
  t.same(notes.map((note) => note.text), ['written in the browser'])
})

step('API keys: create one, see it once, copy it, use it, revoke it', async (t) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: example.url })
  await page.fill('#api-key-name', 'backup script')
  // notes:read is checked by default; the key gets that scope alone.
  await page.selectOption('#api-key-expiry', 'never')
  await page.click('#api-key-form button[type="submit"]')
  await page.locator('#new-api-key').waitFor()
  const key = await page.inputValue('#new-api-key-value')
  t.match(key, /^demo_[0-9A-Za-z]{49}$/, 'the key, with the demo prefix')
  await page.locator('#api-keys li', { hasText: 'backup script' }).waitFor()
  t.match(await page.locator('#api-keys li').innerText(), /scopes: notes:read .*expires never/)

  await page.click('#copy-api-key')
  await page.locator('#message', { hasText: 'Key copied.' }).waitFor()
  t.equal(await page.evaluate('navigator.clipboard.readText()'), key, 'the clipboard holds the key')

  // The key at work, as curl would send it.
  const withKey = (path: string, init: RequestInit = {}): Promise<globalThis.Response> =>
    fetch(example.url + path, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } })
  const notes = await withKey('/notes')
  t.equal(notes.status, 200, 'notes:read reads the notes')
  t.same((await notes.json() as Array<{ text: string }>).map((note) => note.text), ['written in the browser'])
  const write = await withKey('/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'by key' }) })
  t.equal(write.status, 403, 'without notes:write it cannot write')
  t.equal(write.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="notes:write"')
  t.equal((await withKey('/auth/api-keys')).status, 403, 'a key cannot list keys')

  // Shown once: after a reload the key is nowhere on the page.
  await page.reload()
  await page.locator('#api-keys li', { hasText: 'backup script' }).waitFor()
  t.equal(await page.locator('#new-api-key').isVisible(), false)
  t.notOk((await page.content()).includes(key), 'the key is not shown again')
  t.equal(await page.inputValue('#new-api-key-value'), '')

  await page.locator('#api-keys li', { hasText: 'backup script' }).locator('button').click()
  await page.locator('#message', { hasText: 'revoked' }).waitFor()
  t.equal(await page.locator('#api-keys li').count(), 0, 'the list is empty')
  t.equal((await withKey('/notes')).status, 401, 'the revoked key is refused')
})

let otherPage: Page | null = null
const csrfTarget = (): Page => otherPage ?? page

step('CSRF: another origin cannot use the cookie', async (t) => {
  otherPage = await context.newPage()
  otherPage.setDefaultTimeout(15_000)
  await otherPage.goto(other.url)

  const answers: Array<Answer & { how: string }> = []
  for (const path of ['/auth/logout-all', '/notes']) {
    const answer = example.nextAnswer('POST', path)
    const outcome = await otherPage.evaluate(
      ([path, body]) => (globalThis as unknown as { forge: (path: string, body: string) => Promise<string> }).forge(path, body),
      [path, JSON.stringify({ text: 'forged by fetch' })])
    // Without CORS headers the browser keeps the answer from the page.
    t.match(outcome, /^blocked/, `fetch ${path}: the page cannot read the answer`)
    answers.push({ how: 'fetch', ...await answer })
  }

  for (const [form, path] of [['#form-logout-all', '/auth/logout-all'], ['#form-notes', '/notes']]) {
    await otherPage.goto(other.url)
    const answer = example.nextAnswer('POST', path)
    // A plain form post navigates: the browser shows the answer itself.
    const [navigation] = await Promise.all([
      otherPage.waitForResponse((r: Response) => r.url() === example.url + path),
      otherPage.click(`${form} button`)
    ])
    t.equal(navigation.request().headers().origin, other.url, `form ${path}: the browser sent the other origin`)
    t.equal((await navigation.json()).code, 'CSRF_FAILED', `form ${path}: the browser got CSRF_FAILED`)
    answers.push({ how: 'form', ...await answer })
  }

  // 403 CSRF_FAILED, not 401, also proves the browser sent the cookie: a
  // request without one is refused as unauthenticated first.
  t.same(answers, [
    { how: 'fetch', method: 'POST', url: '/auth/logout-all', status: 403, code: 'CSRF_FAILED' },
    { how: 'fetch', method: 'POST', url: '/notes', status: 403, code: 'CSRF_FAILED' },
    { how: 'form', method: 'POST', url: '/auth/logout-all', status: 403, code: 'CSRF_FAILED' },
    { how: 'form', method: 'POST', url: '/notes', status: 403, code: 'CSRF_FAILED' }
  ], 'the server refused every forged request with 403 CSRF_FAILED')
  await otherPage.close()
  otherPage = null
}, csrfTarget)

step('the session still works after the forged requests', async (t) => {
  t.equal((await tokenCookie())?.value, token, 'the cookie is still set')
  t.equal((await withCookie('/me', token)).status, 200, 'the cookie session is alive')
  const me = await fetch(`${example.url}/me`, { headers: { authorization: `Bearer ${bearerToken}` } })
  t.equal(me.status, 200, 'logout-all did not run: the bearer session is alive too')
  const notes = await (await withCookie('/notes', token)).json() as Array<{ text: string }>
  t.same(notes.map((note) => note.text), ['written in the browser'], 'no forged note was added')

  await page.reload()
  await page.locator('#signed-in').waitFor()
  t.equal(await signedIn(), example.email, 'the page is still signed in')
})

step('logout signs out, and the old cookie is refused', async (t) => {
  await page.click('#logout')
  await page.locator('#signed-out').waitFor()
  t.equal(await page.locator('#signed-in').isVisible(), false, 'the page shows the login form')
  t.notOk(await tokenCookie(), 'the browser dropped the cookie')

  // Replayed from outside the browser, the old value is worthless now.
  const me = await withCookie('/me', token)
  t.equal(me.status, 401)
  t.equal((await me.json() as { code: string }).code, 'UNAUTHORIZED')
  const write = await withCookie('/notes', token, {
    method: 'POST',
    headers: { origin: example.url, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'replayed' })
  })
  t.equal(write.status, 401, 'a same-origin write with the old cookie is refused too')

  const other = await fetch(`${example.url}/me`, { headers: { authorization: `Bearer ${bearerToken}` } })
  t.equal(other.status, 200, 'logout ends this session only')

  await page.reload()
  await page.locator('#signed-out').waitFor()
  t.ok(await page.locator('#login-form').isVisible(), 'still signed out after a reload')
})

t.test('SIGTERM closes the example server cleanly', async (t) => {
  t.equal(await example.stop(), 0, 'exit code 0')
  t.match(example.output(), /SIGTERM: closing\nClosed/)
})
