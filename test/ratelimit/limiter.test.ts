import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { MemoryRateLimiter } from '../../src/ratelimit/memory'
import type { RateDecision, RateLimiter, RateLimitRules } from '../../src/ratelimit/model'
import { RedisRateLimiter } from '../../src/ratelimit/redis'
import { REDIS_URL, deleteKeys, testKeyPrefix } from './redis-support'

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

const limitedBy = (decision: RateDecision) => (decision.allowed ? null : decision.limitedBy)

const RULES: RateLimitRules = {
  player: { capacity: 3, refillPerSec: 2 },
  caller: { capacity: 5, refillPerSec: 1 },
}

let redis: Redis
const prefix = testKeyPrefix()
let playerSeq = 0
const freshPlayer = () => `player-${++playerSeq}`

type Factory = (rules: RateLimitRules, now: () => number) => RateLimiter
const IMPLEMENTATIONS: { name: string; make: Factory }[] = [
  { name: 'memory', make: (rules, now) => new MemoryRateLimiter(rules, { now }) },
  { name: 'redis', make: (rules, now) => new RedisRateLimiter({ redis, rules, keyPrefix: prefix, now, timeoutMs: 2_000 }) },
]

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
})
afterAll(async () => {
  await deleteKeys(redis, prefix)
  await redis.quit()
})

for (const { name, make } of IMPLEMENTATIONS) {
  describe(`token buckets (${name})`, () => {
    test('the burst is allowed, the next take is refused with Retry-After', async () => {
      const clock = manualClock()
      const limiter = make(RULES, clock.now)
      const player = freshPlayer()
      for (let i = 0; i < 3; i++) expect(await limiter.take(player, null)).toEqual({ allowed: true })
      expect(await limiter.take(player, null)).toEqual({ allowed: false, retryAfterSec: 1, limitedBy: 'player' })
    })

    test('tokens refill at the configured rate', async () => {
      const clock = manualClock()
      const limiter = make(RULES, clock.now)
      const player = freshPlayer()
      for (let i = 0; i < 3; i++) await limiter.take(player, null)
      clock.advance(499)
      expect((await limiter.take(player, null)).allowed).toBe(false)
      clock.advance(1) // 500 ms at 2/s = one token
      expect((await limiter.take(player, null)).allowed).toBe(true)
      expect((await limiter.take(player, null)).allowed).toBe(false)
      clock.advance(60_000) // refills to capacity, not beyond
      for (let i = 0; i < 3; i++) expect((await limiter.take(player, null)).allowed).toBe(true)
      expect((await limiter.take(player, null)).allowed).toBe(false)
    })

    test('retryAfterSec rounds the wait up to whole seconds', async () => {
      const clock = manualClock()
      const limiter = make({ player: { capacity: 1, refillPerSec: 0.25 }, caller: null }, clock.now)
      const player = freshPlayer()
      await limiter.take(player, null)
      expect(await limiter.take(player, null)).toEqual({ allowed: false, retryAfterSec: 4, limitedBy: 'player' })
      clock.advance(2_500)
      expect(await limiter.take(player, null)).toEqual({ allowed: false, retryAfterSec: 2, limitedBy: 'player' })
    })

    test('players have separate buckets', async () => {
      const clock = manualClock()
      const limiter = make(RULES, clock.now)
      const [a, b] = [freshPlayer(), freshPlayer()]
      for (let i = 0; i < 3; i++) await limiter.take(a, null)
      expect((await limiter.take(a, null)).allowed).toBe(false)
      expect((await limiter.take(b, null)).allowed).toBe(true)
    })

    test('the caller bucket spans players and limits the caller', async () => {
      const clock = manualClock()
      const limiter = make(RULES, clock.now)
      const caller = `caller-${freshPlayer()}`
      for (let i = 0; i < 5; i++) expect((await limiter.take(freshPlayer(), caller)).allowed).toBe(true)
      expect(await limiter.take(freshPlayer(), caller)).toEqual({ allowed: false, retryAfterSec: 1, limitedBy: 'caller' })
      // Anonymous posts (no caller key) draw only from the player bucket.
      expect((await limiter.take(freshPlayer(), null)).allowed).toBe(true)
    })

    test('all-or-nothing: a take refused by the player bucket consumes nothing from the caller bucket', async () => {
      const clock = manualClock()
      const limiter = make(RULES, clock.now)
      const caller = `caller-${freshPlayer()}`
      const player = freshPlayer()
      for (let i = 0; i < 3; i++) await limiter.take(player, caller) // caller: 5 → 2
      for (let i = 0; i < 10; i++) expect(limitedBy(await limiter.take(player, caller))).toBe('player')
      // The caller still has exactly its 2 tokens.
      expect((await limiter.take(freshPlayer(), caller)).allowed).toBe(true)
      expect((await limiter.take(freshPlayer(), caller)).allowed).toBe(true)
      expect((await limiter.take(freshPlayer(), caller)).allowed).toBe(false)
    })

    test('all-or-nothing: a take refused by the caller bucket consumes nothing from the player bucket', async () => {
      const clock = manualClock()
      const limiter = make(RULES, clock.now)
      const caller = `caller-${freshPlayer()}`
      for (let i = 0; i < 5; i++) await limiter.take(freshPlayer(), caller)
      const player = freshPlayer()
      for (let i = 0; i < 10; i++) expect(limitedBy(await limiter.take(player, caller))).toBe('caller')
      // The player's bucket is untouched: its full burst is still there for another caller.
      for (let i = 0; i < 3; i++) expect((await limiter.take(player, null)).allowed).toBe(true)
      expect((await limiter.take(player, null)).allowed).toBe(false)
    })

    test('with the player limit off, only the caller limit applies', async () => {
      const clock = manualClock()
      const limiter = make({ player: null, caller: { capacity: 2, refillPerSec: 1 } }, clock.now)
      const player = freshPlayer()
      const caller = `caller-${freshPlayer()}`
      expect((await limiter.take(player, caller)).allowed).toBe(true)
      expect((await limiter.take(player, caller)).allowed).toBe(true)
      expect((await limiter.take(player, caller)).allowed).toBe(false)
      for (let i = 0; i < 5; i++) expect((await limiter.take(player, null)).allowed).toBe(true)
    })
  })
}
