/** A TCP port free right now on 127.0.0.1 (the OS picks it; a race with other programs is possible but rare). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = listener.port
  listener.stop(true)
  return port
}
