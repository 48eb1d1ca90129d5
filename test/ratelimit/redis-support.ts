import { afterAll } from 'bun:test'
import Redis from 'ioredis'

import { SHARED_REDIS_URL } from '../support/redis'

export const REDIS_URL = SHARED_REDIS_URL

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

export interface SharedRedisClients {
  /** This test file's key prefix. */
  prefix: string
  /** Two clients of the shared Redis, as two instances of the service hold. */
  first: Redis
  second: Redis
}

/** Two clients of the shared Redis for one test file; after its tests, its keys are deleted and both closed. */
export function useSharedRedisClients(): SharedRedisClients {
  const clients = {
    prefix: testKeyPrefix(),
    first: new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }),
    second: new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }),
  }
  afterAll(async () => {
    await deleteKeys(clients.first, clients.prefix)
    await Promise.all([clients.first.quit(), clients.second.quit()])
  })
  return clients
}

export interface HangingRedis {
  /** A client of a server that accepts connections and never answers. */
  redis: Redis
  close(): void
}

/** A Redis that hangs: a TCP listener that never answers, and a client of it (no ready check, no retries). */
export function startHangingRedis(): HangingRedis {
  const silent = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const redis = new Redis(`redis://127.0.0.1:${silent.port}`, { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  redis.on('error', () => {})
  return {
    redis,
    close() {
      redis.disconnect()
      silent.stop(true)
    },
  }
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
