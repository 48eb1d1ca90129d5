// Stub user service for the bench: GET /api/v1/users/users/:id answers a small user document, so the
// leaderboard fills in names the way it would in production. POST / answers 202 (the notification service,
// when the bench runs with --notify).
const port = Number(process.env.PORT ?? 0)

const server = Bun.serve({
  port,
  hostname: '127.0.0.1',
  fetch(request) {
    const url = new URL(request.url)
    const match = /^\/api\/v1\/users\/users\/([^/]+)$/.exec(url.pathname)
    if (request.method === 'GET' && match) {
      const id = decodeURIComponent(match[1]!)
      return Response.json({ id, username: `player_${id}`, display_name: `Player ${id}`, full_name: `Player ${id}` })
    }
    if (request.method === 'POST' && url.pathname === '/') return new Response(null, { status: 202 })
    return new Response('not found', { status: 404 })
  },
})

process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})
export {}
