import type Redis from 'ioredis'
import type { Logger } from '../ops/logger'
import { ALLOWED, type BucketRule, type LimitedBy, type RateDecision, type RateLimiter, type RateLimitRules, UNLIMITED } from './model'

/**
 * Checks and takes from 1..n token buckets atomically, in one round trip.
 * KEYS: the bucket hashes {t: tokens, ts: ms}. ARGV[1]: now in ms, or '' for the Redis server clock (one clock
 * for every instance). ARGV[2i], ARGV[2i+1]: capacity and refill per second of KEYS[i].
 * Returns {1} when taken, or {0, retry_after_sec, index of the bucket that waits longest} and writes nothing.
 * Each key expires once it would have refilled to capacity: an absent bucket is a full one.
 */
export const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local levels = {}
local wait, waiting = 0, 0
for i = 1, #KEYS do
  local cap, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 'ts')
  local level = cap
  local tokens, ts = tonumber(state[1]), tonumber(state[2])
  if tokens and ts then
    level = math.min(cap, tokens + math.max(0, now - ts) * rate / 1000)
  end
  levels[i] = level
  if level < 1 then
    local seconds = math.max(1, math.ceil((1 - level) / rate))
    if seconds > wait then wait, waiting = seconds, i end
  end
end
if waiting > 0 then return {0, wait, waiting} end
for i = 1, #KEYS do
  local cap, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local left = levels[i] - 1
  redis.call('HSET', KEYS[i], 't', tostring(left), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((cap - left) * 1000 / rate) + 1000)
end
return {1}
`

const TAKE_SCRIPT_SHA = new Bun.CryptoHasher('sha1').update(TAKE_SCRIPT).digest('hex')

export interface RedisRateLimiterOptions {
  redis: Redis
  rules: RateLimitRules
  /** Prefix of the bucket keys: `<prefix>:p:<playerId>` and `<prefix>:c:<callerKey>`. */
  keyPrefix: string
  /** Longest a check waits for Redis before it fails open. */
  timeoutMs?: number
  /** Used while Redis is unreachable (fail open); the per-instance limiter by default in composition. */
  fallback?: RateLimiter
  /** After a failure, checks go straight to the fallback for this long instead of waiting on Redis again. */
  failureCooldownMs?: number
  /** Test clock in ms; by default the script reads the Redis server clock. */
  now?: () => number
  logger?: Logger
}

class RedisTimeout extends Error {}

/**
 * Token buckets shared by every instance through Redis: one Lua script per check, a key per player and per caller,
 * each with a TTL. When Redis is down, slow or erroring, a check fails open within `timeoutMs` and answers from
 * the fallback (unlimited, or this instance's own buckets), so a Redis outage never fails or stalls a progress post.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis
  private readonly rules: RateLimitRules
  private readonly keyPrefix: string
  private readonly timeoutMs: number
  private readonly fallback: RateLimiter
  private readonly failureCooldownMs: number
  private readonly now: (() => number) | undefined
  private readonly logger: Logger | undefined
  private skipRedisUntilMs = 0

  constructor(options: RedisRateLimiterOptions) {
    this.redis = options.redis
    this.rules = options.rules
    this.keyPrefix = options.keyPrefix
    this.timeoutMs = options.timeoutMs ?? 100
    this.fallback = options.fallback ?? UNLIMITED
    this.failureCooldownMs = options.failureCooldownMs ?? 1_000
    this.now = options.now
    this.logger = options.logger
  }

  async take(playerId: string, callerKey: string | null): Promise<RateDecision> {
    const buckets: { key: string; rule: BucketRule; limitedBy: LimitedBy }[] = []
    if (this.rules.player) buckets.push({ key: `${this.keyPrefix}:p:${playerId}`, rule: this.rules.player, limitedBy: 'player' })
    if (this.rules.caller && callerKey !== null) {
      buckets.push({ key: `${this.keyPrefix}:c:${callerKey}`, rule: this.rules.caller, limitedBy: 'caller' })
    }
    if (buckets.length === 0) return ALLOWED
    if (Date.now() < this.skipRedisUntilMs) return this.fallback.take(playerId, callerKey)
    try {
      const reply = await this.withTimeout(this.runScript(buckets))
      if (reply[0] === 1) return ALLOWED
      const retryAfterSec = Math.max(1, Number(reply[1]))
      const limitedBy = buckets[Number(reply[2]) - 1]?.limitedBy ?? 'player'
      return { allowed: false, retryAfterSec, limitedBy }
    } catch (error) {
      this.skipRedisUntilMs = Date.now() + this.failureCooldownMs
      this.logger?.warn('rate limiter: Redis unavailable, failing open to the local limiter', {
        error: error instanceof Error ? error.message : String(error),
        retryInMs: this.failureCooldownMs,
      })
      return this.fallback.take(playerId, callerKey)
    }
  }

  private async runScript(buckets: { key: string; rule: BucketRule }[]): Promise<number[]> {
    const keys = buckets.map((bucket) => bucket.key)
    const args = [this.now ? String(this.now()) : '', ...buckets.flatMap(({ rule }) => [String(rule.capacity), String(rule.refillPerSec)])]
    try {
      return (await this.redis.evalsha(TAKE_SCRIPT_SHA, keys.length, ...keys, ...args)) as number[]
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return (await this.redis.eval(TAKE_SCRIPT, keys.length, ...keys, ...args)) as number[]
    }
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeout(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs)
    })
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
  }
}
