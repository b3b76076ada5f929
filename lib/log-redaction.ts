import type { FastifyRequest, FastifyServerOptions } from 'fastify'

/** What Fastify's `childLoggerFactory` server option takes. */
type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

// Session and API-key ids are token digests. They travel in URLs
// (DELETE …/sessions/:id, DELETE …/api-keys/:id), and Fastify logs the URL of
// every request, matched or not: a digest in a log is a session id for
// anyone who reads it. These helpers find that path space whatever the
// spelling that reaches the router (case, duplicate slashes, percent-encoding).

/** The path segments under the prefix whose next segment is an id. */
const ID_SEGMENTS = new Set(['sessions', 'api-keys'])

function decoded (segment: string): string {
  try {
    return decodeURIComponent(segment).toLowerCase()
  } catch {
    return segment.toLowerCase()
  }
}

/**
 * `url` with everything after `<prefix>/sessions/` or `<prefix>/api-keys/`
 * replaced by `[id]`, or null when the URL is not in that path space.
 * Matching is case-insensitive and ignores empty segments, so every spelling
 * a router may accept is caught; the query string is kept.
 */
export function redactIdPath (url: string, prefix: string): string | null {
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  const expected = prefix.split('/').filter((segment) => segment !== '').map((segment) => segment.toLowerCase())
  const segments = path.split('/')
  let matched = 0
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === '') continue
    const segment = decoded(segments[i])
    if (matched < expected.length) {
      if (segment !== expected[matched]) return null
      matched++
      continue
    }
    if (!ID_SEGMENTS.has(segment)) return null
    const rest = segments.slice(i + 1).join('/')
    if (rest.replaceAll('/', '') === '') return null
    return `${segments.slice(0, i + 1).join('/')}/[id]${query === -1 ? '' : url.slice(query)}`
  }
  return null
}

/** `serializers` with Fastify's default request serializer, logging `url` for the request's URL. */
export function redactedSerializers<Serializers extends object> (serializers: Serializers | undefined, url: string): Serializers & { req: (request: FastifyRequest) => Record<string, unknown> } {
  return { ...serializers as Serializers, req: (request: FastifyRequest) => requestLogObject(request, url) }
}

/** Fastify's default request serializer, with the URL given. */
export function requestLogObject (request: FastifyRequest, url: string): Record<string, unknown> {
  return {
    method: request.method,
    url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort
  }
}

/** Whether `prefix` is a routes prefix, as the plugin's `routes.prefix` takes it: empty, or a path. */
function isPrefix (prefix: unknown): prefix is string {
  return typeof prefix === 'string' && (prefix === '' || prefix.startsWith('/'))
}

/**
 * A `childLoggerFactory` for the application (`Fastify({ childLoggerFactory:
 * redactTokenIdsInLogs({ prefix }) })`): the request logger of every request
 * whose URL is in the sessions or api-keys path space under `prefix`
 * (redactIdPath) shows the URL with `[id]`, in the request line and in
 * Fastify's 404 line. The plugin covers the requests that reach its routes
 * and its own not-found handlers; Fastify's 404 router, which ignores
 * `caseSensitive: false` and `ignoreDuplicateSlashes`, sends other
 * spellings of those paths to the application's 404 handler, whose logger
 * Fastify made before any plugin ran. Every other request gets Fastify's
 * own child logger, at the cost of one scan of its URL.
 */
export function redactTokenIdsInLogs (options: { prefix?: string } = {}): ChildLoggerFactory {
  const prefix = options.prefix ?? '/auth'
  if (!isPrefix(prefix)) throw new TypeError('redactTokenIdsInLogs: prefix must be the routes prefix of the plugin, \'\' or a path such as \'/auth\'')
  return function redactingTokenIds (logger, bindings, opts, rawRequest) {
    const url = rawRequest.url as string
    const redacted = redactIdPath(url, prefix)
    if (redacted === null) return logger.child(bindings, opts)
    const child = logger.child(bindings, { ...opts, serializers: redactedSerializers(opts.serializers, redacted) })
    // Fastify's 404 line is a message with the URL in it: `Route GET:<url> not found`.
    // On a logger of the child's own: `child` may be the logger itself (no
    // logging, or a logger whose child is itself), which must not change.
    const redacting: typeof child = Object.create(child)
    redacting.info = (...args: unknown[]) => { child.info(...args.map((arg) => typeof arg === 'string' ? arg.replaceAll(url, redacted) : arg) as Parameters<typeof child.info>) }
    return redacting
  }
}
