// 1. The ceiling: a bare Fastify route answering a small JSON object.
import Fastify from 'fastify'

export async function build (config) {
  const app = Fastify()
  const user = { id: config.userId, email: config.email, isActive: true, isSuperuser: false, isVerified: true }
  app.get('/me', async function me () {
    return user
  })
  return { app, authorization: `Bearer ${config.token}` }
}
