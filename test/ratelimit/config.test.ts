import { afterAll, describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/config'
import { BASE_ENV, configError } from '../support/config'
import { silentLogger } from '../../src/ops/logger'
import { createRateLimiter, rulesFromConfig } from '../../src/ratelimit/factory'
import { MemoryRateLimiter } from '../../src/ratelimit/memory'
import { UNLIMITED } from '../../src/ratelimit/model'
import { RedisRateLimiter } from '../../src/ratelimit/redis'
import { REDIS_URL, deleteKeys, testKeyPrefix } from './redis-support'
import Redis from 'ioredis'

const BASE = BASE_ENV
const rateLimitOf = (env: Record<string, string> = {}) => loadConfig({ ...BASE, ...env }).rateLimit

describe('rate-limit configuration', () => {
  test('defaults: player 300 burst at 30/s, no caller limit', () => {
    const config = rateLimitOf()
    expect(config).toMatchObject({ playerBurst: 300, playerPerSec: 30, callerPerSec: 0, redisTimeoutMs: 100 })
    expect(rulesFromConfig(config)).toEqual({ player: { capacity: 300, refillPerSec: 30 }, caller: null })
  })

  test('a caller rate without a burst gets ten seconds of it', () => {
    expect(rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_CALLER_PER_SEC: '200' }).callerBurst).toBe(2_000)
    expect(rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_CALLER_PER_SEC: '0.05' }).callerBurst).toBe(1)
    const explicit = rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_CALLER_PER_SEC: '200', ACHIEVEMENT_RATE_LIMIT_CALLER_BURST: '50' })
    expect(rulesFromConfig(explicit).caller).toEqual({ capacity: 50, refillPerSec: 200 })
  })

  test('a player rate of 0 turns the player limit off; fractional rates are allowed', () => {
    expect(rulesFromConfig(rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0' })).player).toBeNull()
    expect(rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0.5' }).playerPerSec).toBe(0.5)
  })

  test('bad values stop the start with the variable named', () => {
    expect(configError({ ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST: '0' }).variable).toBe('ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST')
    expect(configError({ ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST: '1.5' }).variable).toBe('ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST')
    expect(configError({ ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: 'fast' }).variable).toBe('ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC')
    expect(configError({ ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '-1' }).variable).toBe('ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC')
    expect(configError({ ACHIEVEMENT_RATE_LIMIT_CALLER_BURST: '0' }).variable).toBe('ACHIEVEMENT_RATE_LIMIT_CALLER_BURST')
    expect(configError({ ACHIEVEMENT_RATE_LIMIT_REDIS_TIMEOUT_MS: '0' }).variable).toBe('ACHIEVEMENT_RATE_LIMIT_REDIS_TIMEOUT_MS')
  })
})

describe('createRateLimiter', () => {
  const closers: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const close of closers) await close()
  })

  test('no limits configured: the unlimited limiter', () => {
    const built = createRateLimiter(rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0' }), null, silentLogger)
    expect(built.limiter).toBe(UNLIMITED)
  })

  test('without Redis: in-memory buckets', () => {
    expect(createRateLimiter(rateLimitOf(), null, silentLogger).limiter).toBeInstanceOf(MemoryRateLimiter)
  })

  test('with Redis: shared buckets under the configured key prefix', async () => {
    const prefix = testKeyPrefix()
    const built = createRateLimiter(
      rateLimitOf({ ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST: '1', ACHIEVEMENT_RATE_LIMIT_KEY_PREFIX: prefix, ACHIEVEMENT_RATE_LIMIT_REDIS_TIMEOUT_MS: '2000' }),
      REDIS_URL,
      silentLogger,
    )
    closers.push(built.close)
    expect(built.limiter).toBeInstanceOf(RedisRateLimiter)
    const redis = new Redis(REDIS_URL)
    try {
      await built.start()
      expect((await built.limiter.take('someone', null)).allowed).toBe(true)
      expect(await redis.exists(`${prefix}:player:someone`)).toBe(1)
      expect((await built.limiter.take('someone', null)).allowed).toBe(false)
    } finally {
      await deleteKeys(redis, prefix)
      await redis.quit()
    }
  })
})
