import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import Redis from 'ioredis'
import { type BucketCheck, type BucketState, decide, levelAt } from '../../src/ratelimit/bucket'
import { MemoryRateLimiter } from '../../src/ratelimit/memory'
import type { BucketRule, LimitedBy, RateDecision, RateLimitRules } from '../../src/ratelimit/model'
import { RedisRateLimiter } from '../../src/ratelimit/redis'
import { startHangingRedis, startPrivateRedis, useSharedRedisClients } from './redis-support'

const RULES: RateLimitRules = { player: { capacity: 3, refillPerSec: 2 }, caller: { capacity: 5, refillPerSec: 1 } }
const { prefix, first, second } = useSharedRedisClients()

const allowedFlags = (decisions: RateDecision[]) => decisions.map((decision) => decision.allowed)

/** The unbatched semantics: takes applied one after the other to the pure buckets of src/ratelimit/bucket.ts. */
function sequentialModel(rules: RateLimitRules) {
  const buckets = new Map<string, BucketState>()
  return (playerId: string, callerKey: string | null, nowMs: number): RateDecision => {
    const targets: { key: string; check: BucketCheck }[] = []
    const add = (limitedBy: LimitedBy, key: string, rule: BucketRule | null) => {
      if (rule) targets.push({ key, check: { limitedBy, rule, level: levelAt(buckets.get(key), rule, nowMs) } })
    }
    add('player', `p:${playerId}`, rules.player)
    if (callerKey !== null) add('caller', `c:${callerKey}`, rules.caller)
    const decision = decide(targets.map((target) => target.check))
    if (decision.allowed) for (const { key, check } of targets) buckets.set(key, { tokens: check.level - 1, updatedMs: nowMs })
    return decision
  }
}

describe('batched Redis checks', () => {
  test('many concurrent takes go to Redis as one script call (counted by the limiter and by Redis)', async () => {
    const server = await startPrivateRedis()
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1 })
    try {
      const limiter = new RedisRateLimiter({ redis, rules: RULES, keyPrefix: 'rl', timeoutMs: 2_000 })
      await redis.config('RESETSTAT')
      const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => limiter.take(`player-${i}`, null)))
      expect(decisions.every((decision) => decision.allowed)).toBe(true)
      expect(limiter.stats).toEqual({ scriptCalls: 1, checks: 200, failedBatches: 0, fallbackChecks: 0 })
      const commandStats = await redis.info('commandstats')
      const scriptCalls = [...commandStats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].map((match) => Number(match[1]))
      // One EVALSHA, plus one EVAL when the script was not loaded yet (NOSCRIPT).
      expect(scriptCalls.reduce((sum, calls) => sum + calls, 0)).toBeLessThanOrEqual(2)
      expect(commandStats).toContain('cmdstat_evalsha:calls=1,')
    } finally {
      redis.disconnect()
      await server.stop()
    }
  })

  test('a batch holds at most maxBatch checks', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, timeoutMs: 2_000, maxBatch: 500 })
    const decisions = await Promise.all(Array.from({ length: 1_200 }, (_, i) => limiter.take(`max-batch-${i}`, null)))
    expect(decisions.every((decision) => decision.allowed)).toBe(true)
    expect(limiter.stats).toMatchObject({ scriptCalls: 3, checks: 1_200 })
  })

  test('checks spread over event-loop turns within batchWindowMs share one call', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, timeoutMs: 2_000, batchWindowMs: 200 })
    const early = limiter.take('window-a', null)
    await new Promise((resolve) => setImmediate(resolve))
    const late = limiter.take('window-b', null)
    expect(allowedFlags(await Promise.all([early, late]))).toEqual([true, true])
    expect(limiter.stats.scriptCalls).toBe(1)
  })

  test('two checks for one player in a batch are applied in arrival order', async () => {
    const limiter = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, timeoutMs: 2_000, now: () => 1_000 })
    const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.take('ordered', null)))
    expect(allowedFlags(decisions)).toEqual([true, true, true, false, false])
    expect(decisions[3]).toEqual({ allowed: false, retryAfterSec: 1, limitedBy: 'player' })
    expect(limiter.stats.scriptCalls).toBe(1)
  })

  test('all-or-nothing per check inside a batch: a check refused by the caller bucket takes nothing from the player', async () => {
    const rules: RateLimitRules = { player: { capacity: 1, refillPerSec: 0.01 }, caller: { capacity: 1, refillPerSec: 0.01 } }
    const limiter = new RedisRateLimiter({ redis: first, rules, keyPrefix: prefix, timeoutMs: 2_000, now: () => 1_000 })
    const decisions = await Promise.all([
      limiter.take('aon-1', 'aon-caller'), // takes the caller's only token
      limiter.take('aon-2', 'aon-caller'), // refused by the caller: aon-2 keeps its token
      limiter.take('aon-2', null), // so this one gets it
      limiter.take('aon-2', null), // and this one is refused by the player
    ])
    expect(decisions).toEqual([
      { allowed: true },
      { allowed: false, retryAfterSec: 100, limitedBy: 'caller' },
      { allowed: true },
      { allowed: false, retryAfterSec: 100, limitedBy: 'player' },
    ])
    expect(limiter.stats.scriptCalls).toBe(1)
  })

  test('two instances taking concurrently share one bucket: the burst is spent once', async () => {
    const a = new RedisRateLimiter({ redis: first, rules: RULES, keyPrefix: prefix, timeoutMs: 2_000 })
    const b = new RedisRateLimiter({ redis: second, rules: RULES, keyPrefix: prefix, timeoutMs: 2_000 })
    const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).take('shared-batched', null)))
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(3)
    expect([a.stats.scriptCalls, b.stats.scriptCalls]).toEqual([1, 1])
  })

  test('batched decisions equal the unbatched bucket model (fixed clock)', async () => {
    // Rates and clock steps keep every level a multiple of 1/8, so Lua and JS arithmetic agree exactly.
    const rate = fc.constantFrom(0.5, 1, 2, 4)
    const rule = fc.record({ capacity: fc.integer({ min: 1, max: 4 }), refillPerSec: rate })
    const rules = fc.oneof(
      fc.record({ player: rule, caller: fc.option(rule, { nil: null }) }),
      fc.record({ player: fc.constant(null), caller: rule }),
    )
    const take = fc.record({ player: fc.integer({ min: 0, max: 2 }), caller: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }) })
    const round = fc.record({ advanceMs: fc.integer({ min: 0, max: 8 }).map((steps) => steps * 250), takes: fc.array(take, { minLength: 1, maxLength: 12 }) })
    let run = 0
    await fc.assert(
      fc.asyncProperty(rules, fc.array(round, { minLength: 1, maxLength: 6 }), async (rules, rounds) => {
        let now = 1_000_000
        const runPrefix = `${prefix}:model-${++run}`
        const limiter = new RedisRateLimiter({ redis: first, rules, keyPrefix: runPrefix, timeoutMs: 2_000, now: () => now })
        const model = sequentialModel(rules)
        let expectedCalls = 0
        for (const { advanceMs, takes } of rounds) {
          now += advanceMs
          const callerOf = (caller: number | null) => (caller === null ? null : `caller-${caller}`)
          const batched = await Promise.all(takes.map(({ player, caller }) => limiter.take(`player-${player}`, callerOf(caller))))
          const sequential = takes.map(({ player, caller }) => model(`player-${player}`, callerOf(caller), now))
          expect(batched).toEqual(sequential)
          // One call per round, unless no take in it draws from any bucket (player limit off, anonymous takes).
          if (rules.player || takes.some(({ caller }) => caller !== null)) expectedCalls++
          expect(limiter.stats.scriptCalls).toBe(expectedCalls)
        }
      }),
      { numRuns: 60 },
    )
  })
})

describe('batched checks fail open per batch', () => {
  test('a Redis that never answers: the whole batch times out once and the fallback answers in arrival order', async () => {
    const hanging = startHangingRedis()
    try {
      const fallback = new MemoryRateLimiter(RULES)
      const limiter = new RedisRateLimiter({ redis: hanging.redis, rules: RULES, keyPrefix: prefix, timeoutMs: 50, fallback })
      const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.take('p', null)))
      expect(allowedFlags(decisions)).toEqual([true, true, true, false, false])
      expect(limiter.stats).toEqual({ scriptCalls: 1, checks: 5, failedBatches: 1, fallbackChecks: 5 })
      // During the cooldown later checks skip Redis, and are counted as answered by the fallback too.
      expect((await limiter.take('q', null)).allowed).toBe(true)
      expect(limiter.stats).toEqual({ scriptCalls: 1, checks: 5, failedBatches: 1, fallbackChecks: 6 })
    } finally {
      hanging.close()
    }
  })
})
