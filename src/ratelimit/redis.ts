import type Redis from 'ioredis'
import type { Logger } from '../ops/logger'
import { MicroBatcher } from '../ops/micro-batcher'
import { withDeadline } from '../ops/deadline'
import { ALLOWED, type BucketRule, type LimitedBy, type RateDecision, type RateLimiter, type RateLimitRules, UNLIMITED } from './model'
import { BATCH_TAKE_SCRIPT, type BatchCheck, batchArguments, parseBatchReply } from './take-script'

export interface RedisRateLimiterOptions {
  redis: Redis
  rules: RateLimitRules
  /** Prefix of the bucket keys: `<prefix>:player:<playerId>` and `<prefix>:caller:<callerKey>`. */
  keyPrefix: string
  /** Longest a batch of checks waits for Redis before it fails open. */
  timeoutMs?: number
  /** Used while Redis is unreachable (fail open); the per-instance limiter by default in composition. */
  fallback?: RateLimiter
  /** After a failure, checks go straight to the fallback for this long instead of waiting on Redis again. */
  failureCooldownMs?: number
  /** Checks made within this many ms go to Redis as one script call; 0 (default): within one event-loop turn. */
  batchWindowMs?: number
  /** Most checks in one script call; a batch this full is sent at once. */
  maxBatch?: number
  /** Test clock in ms; by default the script reads the Redis server clock. */
  now?: () => number
  logger?: Logger
}

/** Counters of the Redis traffic, for tests and metrics. */
export interface RedisRateLimiterStats {
  /** Script calls sent to Redis (one per batch). */
  scriptCalls: number
  /** Checks those calls carried. */
  checks: number
  /** Batches answered by the fallback because Redis failed or was too slow. */
  failedBatches: number
  /**
   * Checks answered by the fallback (fail open): those of the failed batches, and those made during the cooldown
   * after a failure, which skip Redis.
   */
  fallbackChecks: number
}

interface PendingCheck extends BatchCheck {
  playerId: string
  callerKey: string | null
  limitedBy: LimitedBy[]
  resolve: (decision: RateDecision | Promise<RateDecision>) => void
}

class RedisTimeout extends Error {}

/**
 * Token buckets shared by every instance through Redis, a key per player and per caller, each with a TTL. The
 * checks made within one event-loop turn (up to `maxBatch`) go to Redis as one script call that applies them in
 * arrival order. When Redis is down, slow or erroring, the batch fails open within `timeoutMs` and each of its
 * checks is answered by the fallback (unlimited, or this instance's own buckets), so a Redis outage never fails
 * or stalls a progress post.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis
  private readonly keyPrefix: string
  private readonly timeoutMs: number
  private readonly fallback: RateLimiter
  private readonly failureCooldownMs: number
  private readonly now: (() => number) | undefined
  private readonly logger: Logger | undefined
  private readonly playerRule: BucketRule | null
  private readonly callerRule: BucketRule | null
  /** The rules as the script numbers them: the player's (when on) first, then the caller's (when on). */
  private readonly scriptRules: BucketRule[] = []
  private readonly batcher: MicroBatcher<PendingCheck>
  private readonly counters: RedisRateLimiterStats = { scriptCalls: 0, checks: 0, failedBatches: 0, fallbackChecks: 0 }
  private skipRedisUntilMs = 0

  constructor(options: RedisRateLimiterOptions) {
    this.redis = options.redis
    this.keyPrefix = options.keyPrefix
    this.timeoutMs = options.timeoutMs ?? 100
    this.fallback = options.fallback ?? UNLIMITED
    this.failureCooldownMs = options.failureCooldownMs ?? 1_000
    this.now = options.now
    this.logger = options.logger
    this.playerRule = options.rules.player
    this.callerRule = options.rules.caller
    if (this.playerRule) this.scriptRules.push(this.playerRule)
    if (this.callerRule) this.scriptRules.push(this.callerRule)
    this.batcher = new MicroBatcher((checks) => void this.runBatch(checks), {
      maxBatch: Math.max(1, options.maxBatch ?? 500),
      windowMs: options.batchWindowMs ?? 0,
    })
  }

  get stats(): RedisRateLimiterStats {
    return { ...this.counters }
  }

  take(playerId: string, callerKey: string | null): Promise<RateDecision> {
    const keys: string[] = []
    const limitedBy: LimitedBy[] = []
    let shape = ''
    if (this.playerRule) {
      keys.push(`${this.keyPrefix}:player:${playerId}`)
      limitedBy.push('player')
      shape += '1'
    }
    if (this.callerRule && callerKey !== null) {
      keys.push(`${this.keyPrefix}:caller:${callerKey}`)
      limitedBy.push('caller')
      shape += this.playerRule ? '2' : '1'
    }
    if (keys.length === 0) return Promise.resolve(ALLOWED)
    if (Date.now() < this.skipRedisUntilMs) {
      this.counters.fallbackChecks++
      return this.fallback.take(playerId, callerKey)
    }
    return new Promise((resolve) => this.batcher.add({ keys, shape, playerId, callerKey, limitedBy, resolve }))
  }

  private async runBatch(checks: PendingCheck[]): Promise<void> {
    if (Date.now() < this.skipRedisUntilMs) return this.answerFromFallback(checks)
    try {
      const reply = await withDeadline(this.runScript(checks), this.timeoutMs, () => new RedisTimeout(`no answer within ${this.timeoutMs} ms`))
      const outcomes = parseBatchReply(reply, checks.length)
      checks.forEach((check, i) => {
        const outcome = outcomes[i]!
        if (outcome.taken) return check.resolve(ALLOWED)
        const limitedBy = check.limitedBy[outcome.bucketIndex] ?? 'player'
        check.resolve({ allowed: false, retryAfterSec: outcome.retryAfterSec, limitedBy })
      })
    } catch (error) {
      this.counters.failedBatches++
      this.skipRedisUntilMs = Date.now() + this.failureCooldownMs
      this.logger?.warn('rate limiter: Redis unavailable, failing open to the local limiter', {
        error: error instanceof Error ? error.message : String(error),
        checks: checks.length,
        retryInMs: this.failureCooldownMs,
      })
      this.answerFromFallback(checks)
    }
  }

  /** In arrival order, so the fallback sees the checks as they came. */
  private answerFromFallback(checks: PendingCheck[]): void {
    this.counters.fallbackChecks += checks.length
    for (const check of checks) check.resolve(this.fallback.take(check.playerId, check.callerKey))
  }

  private async runScript(checks: PendingCheck[]): Promise<unknown> {
    const { keys, args } = batchArguments(checks, this.scriptRules, this.now ? this.now() : null)
    this.counters.scriptCalls++
    this.counters.checks += checks.length
    return BATCH_TAKE_SCRIPT.run(this.redis, keys, args)
  }
}
