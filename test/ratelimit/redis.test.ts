import { describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { MemoryRateLimiter } from '../../src/ratelimit/memory'
import type { RateLimitRules } from '../../src/ratelimit/model'
import { RedisRateLimiter } from '../../src/ratelimit/redis'
import { startHangingRedis, startPrivateRedis, useSharedRedisClients } from './redis-support'

const RULES: RateLimitRules = { player: { capacity: 3, refillPerSec: 2 }, caller: { capacity: 5, refillPerSec: 1 } }
const { prefix, first, second } = useSharedRedisClients()

/** A port nothing listens on. */
function closedPort(): number {
  const server = Bun.serve({ port: 0, fetch: () => new Response('') })
  const port = server.port!
  server.stop(true)
  return port
}

describe('Redis-shared token buckets', () => {
  test('two limiter instances on separate connections share one bucket', async () => {
    const a = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix })
    const b = new RedisRateLimiter({ redis: second, rules: RULES, keyPrefix: prefix })
    expect((await a.take('shared', null)).allowed).toBe(true)
    expect((await b.take('shared', null)).allowed).toBe(true)
    expect((await a.take('shared', null)).allowed).toBe(true)
    const refused = await b.take('shared', null)
    expect(refused.allowed).toBe(false)
    if (!refused.allowed) expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1)
  })

  test('by default the Redis server clock drives refills (one clock for all instances)', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: { player: { capacity: 2, refillPerSec: 0.01 }, caller: null }, keyPrefix: prefix })
    expect((await limiter.take('server-clock', null)).allowed).toBe(true)
    expect((await limiter.take('server-clock', null)).allowed).toBe(true)
    expect(await limiter.take('server-clock', null)).toEqual({ allowed: false, retryAfterSec: 100, limitedBy: 'player' })
  })

  test('each bucket key expires once it would be full again', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, now: () => 5_000 })
    await limiter.take('ttl-player', 'ttl-caller')
    await limiter.take('ttl-player', 'ttl-caller')
    // Player: 1 of 3 left at 2/s → full in 1 s (+1 s slack). Caller: 3 of 5 left at 1/s → 2 s (+1 s).
    const playerTtl = await first.pttl(`${prefix}:player:ttl-player`)
    const callerTtl = await first.pttl(`${prefix}:caller:ttl-caller`)
    expect(playerTtl).toBeGreaterThan(1_000)
    expect(playerTtl).toBeLessThanOrEqual(2_000)
    expect(callerTtl).toBeGreaterThan(2_000)
    expect(callerTtl).toBeLessThanOrEqual(3_000)
  })

  test('a bucket is one string key, level and time; one that does not read so counts as full', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, now: () => 7_000 })
    await limiter.take('stored', null)
    expect(await first.get(`${prefix}:player:stored`)).toBe('2:7000')
    await first.set(`${prefix}:player:garbled`, 'not a bucket')
    for (let i = 0; i < 3; i++) expect((await limiter.take('garbled', null)).allowed).toBe(true)
    expect((await limiter.take('garbled', null)).allowed).toBe(false)
    expect(await first.get(`${prefix}:player:garbled`)).toBe('0:7000')
  })

  test('a refused take writes nothing', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, now: () => 9_000 })
    for (let i = 0; i < 3; i++) await limiter.take('frozen', 'frozen-caller')
    const before = [await first.get(`${prefix}:player:frozen`), await first.get(`${prefix}:caller:frozen-caller`)]
    expect((await limiter.take('frozen', 'frozen-caller')).allowed).toBe(false)
    expect([await first.get(`${prefix}:player:frozen`), await first.get(`${prefix}:caller:frozen-caller`)]).toEqual(before)
  })

})

describe('a private Redis server (flushed and killed)', () => {
  test('the script is loaded again after SCRIPT FLUSH (NOSCRIPT → EVAL)', async () => {
    const server = await startPrivateRedis()
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1 })
    try {
      const limiter = new RedisRateLimiter({ redis, rules: RULES, keyPrefix: 'rl', now: () => 1 })
      expect((await limiter.take('p', null)).allowed).toBe(true)
      await redis.script('FLUSH')
      expect((await limiter.take('p', null)).allowed).toBe(true)
      expect((await limiter.take('p', null)).allowed).toBe(true)
      expect((await limiter.take('p', null)).allowed).toBe(false)
    } finally {
      redis.disconnect()
      await server.stop()
    }
  })

  test('Redis going away mid-run fails open to the fallback instead of failing requests', async () => {
    const server = await startPrivateRedis()
    const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
    redis.on('error', () => {})
    await new Promise((resolve) => redis.once('ready', resolve))
    try {
      const limiter = new RedisRateLimiter({ redis, rules: RULES, keyPrefix: 'rl', timeoutMs: 200, fallback: new MemoryRateLimiter(RULES) })
      for (let i = 0; i < 3; i++) expect((await limiter.take('p', null)).allowed).toBe(true)
      expect((await limiter.take('p', null)).allowed).toBe(false) // Redis says no
      await server.stop()
      // Redis is gone: this instance's own buckets (a fresh one for this player) answer.
      expect((await limiter.take('p', null)).allowed).toBe(true)
    } finally {
      redis.disconnect()
    }
  })
})

describe('Redis unreachable: fail open', () => {
  test('refused connections: allowed at once when there is no fallback', async () => {
    const down = new Redis(`redis://127.0.0.1:${closedPort()}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true })
    down.on('error', () => {})
    try {
      const limiter = new RedisRateLimiter({ redis: down, rules: RULES, keyPrefix: prefix })
      for (let i = 0; i < 10; i++) expect((await limiter.take('p', null)).allowed).toBe(true)
    } finally {
      down.disconnect()
    }
  })

  test('refused connections: the fallback (this instance’s buckets) still limits', async () => {
    const down = new Redis(`redis://127.0.0.1:${closedPort()}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true })
    down.on('error', () => {})
    try {
      const limiter = new RedisRateLimiter({ redis: down, rules: RULES, keyPrefix: prefix, fallback: new MemoryRateLimiter(RULES) })
      for (let i = 0; i < 3; i++) expect((await limiter.take('p', null)).allowed).toBe(true)
      expect((await limiter.take('p', null)).allowed).toBe(false)
    } finally {
      down.disconnect()
    }
  })

  test('a Redis that accepts but never answers is cut off by the timeout', async () => {
    const hanging = startHangingRedis()
    try {
      const fallback = new MemoryRateLimiter(RULES)
      const limiter = new RedisRateLimiter({ redis: hanging.redis, rules: RULES, keyPrefix: prefix, timeoutMs: 50, fallback })
      expect((await limiter.take('p', null)).allowed).toBe(true)
      expect(fallback.size).toBe(1) // answered by the fallback
      // During the failure cooldown the next checks skip Redis and go straight to the fallback.
      expect((await limiter.take('p', null)).allowed).toBe(true)
      expect((await limiter.take('p', null)).allowed).toBe(true)
      expect((await limiter.take('p', null)).allowed).toBe(false)
    } finally {
      hanging.close()
    }
  })
})
