import Redis from 'ioredis'
import type { RateLimitConfig } from '../config/config'
import { backstopTimeoutMs } from '../ops/deadline'
import type { Logger } from '../ops/logger'
import { MemoryRateLimiter } from './memory'
import { type RateLimiter, type RateLimitRules, UNLIMITED } from './model'
import { RedisRateLimiter } from './redis'

/** A rate of 0 turns that limit off. */
export function rulesFromConfig(config: RateLimitConfig): RateLimitRules {
  return {
    player: config.playerPerSec > 0 ? { capacity: config.playerBurst, refillPerSec: config.playerPerSec } : null,
    caller: config.callerPerSec > 0 ? { capacity: config.callerBurst, refillPerSec: config.callerPerSec } : null,
  }
}

export interface BuiltRateLimiter {
  limiter: RateLimiter
  /** Waits (boundedly) for the Redis connection, so the first posts are not answered from local buckets. */
  start(): Promise<void>
  close(): Promise<void>
}

const READY_WAIT_MS = 2_000
const nothing = async () => {}

/**
 * In-memory buckets per instance without Redis; with Redis, buckets shared by every instance over a dedicated
 * connection with tight timeouts (a rate-limit check must never hang a progress post), falling back to this
 * instance's own buckets while Redis is unreachable.
 */
export function createRateLimiter(config: RateLimitConfig, redisUrl: string | null, logger: Logger): BuiltRateLimiter {
  const rules = rulesFromConfig(config)
  if (!rules.player && !rules.caller) return { limiter: UNLIMITED, start: nothing, close: nothing }
  const local = new MemoryRateLimiter(rules)
  if (redisUrl === null) return { limiter: local, start: nothing, close: nothing }
  const redis = new Redis(redisUrl, {
    connectionName: 'achievement-ratelimit',
    connectTimeout: 2_000,
    // The check's deadline is the limiter's own (withDeadline); this only frees the commands of a hung connection.
    commandTimeout: backstopTimeoutMs(config.redisTimeoutMs),
    maxRetriesPerRequest: 0,
    // Fail at once while disconnected instead of queueing: the limiter falls back to local buckets.
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  })
  redis.on('error', () => {}) // reported by the limiter when a check fails; ioredis reconnects by itself
  const limiter = new RedisRateLimiter({
    redis,
    rules,
    keyPrefix: config.redisKeyPrefix,
    timeoutMs: config.redisTimeoutMs,
    fallback: local,
    logger,
  })
  return {
    limiter,
    async start() {
      if (redis.status === 'ready') return
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        new Promise((resolve) => redis.once('ready', resolve)),
        new Promise((resolve) => (timer = setTimeout(resolve, READY_WAIT_MS))),
      ])
      clearTimeout(timer)
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
