import type { FastifyInstance } from 'fastify'

// @fastify/swagger documents a route's `schema.security` by looking each
// scheme up in the document's security schemes, and throws when one is
// missing. The schemes are declared by a route-level `swaggerTransform` (a
// documented @fastify/swagger route option that receives the document being
// built) on the plugin's own routes: it runs for the JSON and the YAML
// document alike, before any route that needs the schemes (the plugin's
// routes are added before any route it protects through `config.auth`), and
// leaves the application's own swagger options untouched.

/** An OpenAPI security requirement: scheme name -> scopes. */
export type SecurityRequirement = Record<string, string[]>

export interface OpenApiOptions {
  bearer: boolean
  /** The cookie's name when cookies are on, else null. */
  cookieName: string | null
  /** Whether the plugin adds its own routes. */
  routes: boolean
}

export interface OpenApiSupport {
  /** Requirements of a protected route: any one of the schemes suffices. */
  security: SecurityRequirement[]
  /** Config of the plugin's own routes; empty when @fastify/swagger is not registered. */
  routeConfig: Record<string, unknown>
  /** Whether routes protected through `config.auth` get `schema.security`. */
  markAuthRoutes: boolean
  /** Whether @fastify/swagger is registered: routes get descriptions of what they need. */
  documented: boolean
}

// What a swaggerTransform receives: the document being built, in
// @fastify/swagger's OpenAPI 3 mode (which always makes `components`) or its
// Swagger 2 mode.
interface DocumentParts {
  openapiObject?: { components: { securitySchemes?: Record<string, unknown> } }
  swaggerObject?: { securityDefinitions?: Record<string, unknown> }
}

/** What the plugin tells @fastify/swagger, worked out once at registration. */
export function openApiSupport (app: FastifyInstance, options: OpenApiOptions): OpenApiSupport {
  const security: SecurityRequirement[] = []
  const schemes: Record<string, unknown> = {}
  // Swagger 2 has no bearer scheme and no cookie location: both are
  // described as API keys in a header.
  const definitions: Record<string, unknown> = {}
  if (options.bearer) {
    security.push({ bearerAuth: [] })
    schemes.bearerAuth = { type: 'http', scheme: 'bearer', description: 'An access token from the login route' }
    definitions.bearerAuth = { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Bearer <access token>' }
  }
  if (options.cookieName !== null) {
    security.push({ cookieAuth: [] })
    schemes.cookieAuth = { type: 'apiKey', in: 'cookie', name: options.cookieName, description: 'The access-token cookie set by the login route' }
    definitions.cookieAuth = { type: 'apiKey', in: 'header', name: 'Cookie', description: `The ${options.cookieName} cookie set by the login route` }
  }

  const swagger = app.hasPlugin('@fastify/swagger')
  if (!swagger) return { security, routeConfig: {}, markAuthRoutes: false, documented: false }

  function declareSecuritySchemes ({ openapiObject, swaggerObject }: DocumentParts): Record<string, never> {
    // Schemes the application declared itself win; its objects are copied, never changed.
    if (openapiObject !== undefined) {
      const { components } = openapiObject
      components.securitySchemes = { ...schemes, ...components.securitySchemes }
    } else {
      swaggerObject!.securityDefinitions = { ...definitions, ...swaggerObject!.securityDefinitions }
    }
    // No schema or url of its own: the route is documented as declared.
    return {}
  }

  return {
    security,
    routeConfig: { swaggerTransform: declareSecuritySchemes },
    // Without routes of its own, nothing declares the schemes, and a
    // requirement naming an undeclared scheme would break the document.
    markAuthRoutes: options.routes,
    documented: true
  }
}

/**
 * What a route's `config.auth` asks of API keys, for its description: OpenAPI
 * 3.0 has no scope list for an http bearer scheme, and @fastify/swagger's UI
 * shows the description (extension fields of an operation it leaves out).
 * Null when it asks nothing of them.
 */
export function requirementsOf (auth: { scopes?: string[], apiKeys?: boolean }): string | null {
  if (auth.apiKeys === false) return 'Logins only: an API key gets 403 FORBIDDEN.'
  const scopes = auth.scopes ?? []
  if (scopes.length === 0) return null
  return `Scopes (API keys): ${scopes.map((scope) => `\`${scope}\``).join(', ')}; 403 INSUFFICIENT_SCOPE without them. A login has every scope.`
}
