// The demo page's script. Same-origin fetch sends the HttpOnly cookie by
// itself (and an Origin header, which the plugin checks on POST and DELETE),
// so the script never holds the token. Everything from the server is shown
// with textContent, never parsed as HTML.

const $ = (id) => document.getElementById(id)

async function call (method, url, body) {
  const init = { method }
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' }
    init.body = JSON.stringify(body)
  }
  const response = await fetch(url, init)
  const data = response.status === 204 ? null : await response.json().catch(() => null)
  return { status: response.status, data }
}

function say (text) {
  $('message').textContent = text
}

function element (tag, text, attributes = {}) {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  return node
}

const when = (iso) => iso === null ? 'never' : new Date(iso).toLocaleString()

async function showSessions () {
  const { status, data } = await call('GET', '/auth/sessions')
  if (status !== 200) return
  const list = $('sessions')
  list.replaceChildren(...data.map((session) => {
    const item = element('li', undefined, { 'data-id': session.id, 'data-current': String(session.current) })
    item.append(
      element('div', `${session.current ? 'This browser' : 'Another session'}: ${session.userAgent ?? 'unknown client'}`),
      element('small', `from ${session.ip ?? '?'} · signed in ${when(session.createdAt)} · last used ${when(session.lastUsedAt ?? session.createdAt)} · expires ${when(session.expiresAt)}`)
    )
    const end = element('button', session.current ? 'Sign out' : 'End session', { type: 'button' })
    end.addEventListener('click', async () => {
      await call('DELETE', `/auth/sessions/${encodeURIComponent(session.id)}`)
      await refresh()
    })
    const actions = element('div')
    actions.append(end)
    item.append(actions)
    return item
  }))
}

async function showNotes () {
  const { status, data } = await call('GET', '/notes')
  if (status !== 200) return
  $('notes').replaceChildren(...data.map((note) => element('li', note.text)))
}

async function showApiKeys () {
  const { status, data } = await call('GET', '/auth/api-keys')
  if (status !== 200) return
  $('api-keys').replaceChildren(...data.map((key) => {
    const item = element('li', undefined, { 'data-id': key.id })
    item.append(
      element('div', key.name),
      element('small', `scopes: ${key.scopes.length === 0 ? 'none' : key.scopes.join(' ')} · created ${when(key.createdAt)} · last used ${key.lastUsedAt === null ? 'never' : when(key.lastUsedAt)} · expires ${when(key.expiresAt)}`)
    )
    const revoke = element('button', 'Revoke', { type: 'button' })
    revoke.addEventListener('click', async () => {
      const { status, data } = await call('DELETE', `/auth/api-keys/${encodeURIComponent(key.id)}`)
      say(status === 204 ? `Key "${key.name}" revoked.` : data?.message ?? `Could not revoke the key (${status})`)
      await showApiKeys()
    })
    const actions = element('div')
    actions.append(revoke)
    item.append(actions)
    return item
  }))
}

function hideNewKey () {
  $('new-api-key-value').value = ''
  $('new-api-key').hidden = true
}

$('api-key-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const scopes = [...document.querySelectorAll('#api-key-scopes input:checked')].map((box) => box.value)
  const expiry = $('api-key-expiry').value
  const { status, data } = await call('POST', '/auth/api-keys', {
    name: $('api-key-name').value,
    scopes,
    expiresInSeconds: expiry === 'never' ? null : Number(expiry)
  })
  if (status !== 201) return say(data?.message ?? `Could not create the key (${status})`)
  say('')
  $('api-key-name').value = ''
  // Shown once: the server keeps only its digest.
  $('new-api-key-value').value = data.token
  $('new-api-key').hidden = false
  await showApiKeys()
})

$('copy-api-key').addEventListener('click', async () => {
  const field = $('new-api-key-value')
  field.select()
  try {
    await navigator.clipboard.writeText(field.value)
    say('Key copied.')
  } catch {
    say('Select the key and copy it.')
  }
})

$('hide-api-key').addEventListener('click', hideNewKey)

async function refresh () {
  const { status, data } = await call('GET', '/me')
  const signedIn = status === 200
  $('signed-in').hidden = !signedIn
  $('signed-out').hidden = signedIn
  if (!signedIn) return hideNewKey()
  $('who').textContent = data.email
  await Promise.all([showSessions(), showNotes(), showApiKeys()])
}

async function login () {
  // The answer also carries the token in JSON, for bearer clients; this page
  // has no use for it and keeps it nowhere: the cookie is what signs it in.
  const { status, data } = await call('POST', '/auth/login', {
    username: $('email').value,
    password: $('password').value
  })
  if (status !== 200 && status !== 204) return say(data?.message ?? `Sign-in failed (${status})`)
  say('')
  $('password').value = ''
  await refresh()
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault()
  login().catch((error) => say(String(error)))
})

$('register').addEventListener('click', async () => {
  const { status, data } = await call('POST', '/register', { email: $('email').value, password: $('password').value })
  if (status !== 201) return say(data?.message ?? `Could not create the account (${status})`)
  await login()
})

$('note-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const { status, data } = await call('POST', '/notes', { text: $('note-text').value })
  if (status !== 201) return say(data?.message ?? `Could not add the note (${status})`)
  $('note-text').value = ''
  say('')
  await showNotes()
})

for (const [button, url] of [['logout', '/auth/logout'], ['logout-all', '/auth/logout-all']]) {
  $(button).addEventListener('click', async () => {
    await call('POST', url)
    say('Signed out.')
    await refresh()
  })
}

refresh().catch((error) => say(String(error)))
