// The bare Bun.serve baseline: answers every request with a small JSON body and nothing else.
const port = Number(process.env.PORT ?? 0)

const server = Bun.serve({
  port,
  hostname: '127.0.0.1',
  fetch: () => Response.json({ status: 'ok', entries: [] }),
})

process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})
export {}
