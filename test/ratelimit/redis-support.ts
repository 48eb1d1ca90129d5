import type Redis from 'ioredis'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'

/** A key prefix no other test file uses. */
export function testKeyPrefix(): string {
  return `test:ratelimit:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
}

/** Deletes this test file's keys (never FLUSH: the Redis server is shared). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
}

export interface PrivateRedis {
  url: string
  stop(): Promise<void>
}

/** A throwaway redis-server on a random spare port, for tests that flush or kill it. */
export async function startPrivateRedis(port = 16_000 + Math.floor(Math.random() * 2_000)): Promise<PrivateRedis> {
  const child = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdout: 'ignore',
    stderr: 'ignore',
  })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } })
      socket.end()
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          child.kill()
          await child.exited
        },
      }
    } catch {
      await Bun.sleep(20)
    }
  }
  child.kill()
  throw new Error(`redis-server did not start on port ${port}`)
}
