// One benchmark server, in a process of its own: `node server.mjs <scenario>`
// with its settings in BENCH_CONFIG. Talks to run.mjs over IPC only, so its
// CPU-time reports are no part of the measured HTTP path.
const scenario = process.argv[2]
const config = JSON.parse(process.env.BENCH_CONFIG)
const { build } = await import(`./scenarios/${scenario}.mjs`)
const { app, authorization } = await build(config)
await app.listen({ host: '127.0.0.1', port: 0 })

process.on('message', async (message) => {
  if (message.type === 'usage') {
    process.send({ type: 'usage', id: message.id, cpu: process.cpuUsage(), rss: process.memoryUsage().rss })
  } else if (message.type === 'close') {
    await app.close()
    process.disconnect()
  }
})
// The runner is gone (or done): nothing keeps this server alive.
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready', port: app.server.address().port, authorization })
