// 6. @fastify/jwt: HS256 verification of a signed token, no database.
import Fastify from 'fastify'
import fastifyJwt from '@fastify/jwt'

export async function build (config) {
  const app = Fastify()
  await app.register(fastifyJwt, { secret: config.jwtSecret })
  app.get('/me', {
    onRequest: async function authenticate (request) {
      await request.jwtVerify()
    }
  }, async function me (request) {
    return request.user
  })
  await app.ready()
  const token = app.jwt.sign(
    { sub: config.userId, email: config.email, isActive: true, isSuperuser: false, isVerified: true },
    { expiresIn: config.lifetimeSeconds })
  return { app, authorization: `Bearer ${token}` }
}
