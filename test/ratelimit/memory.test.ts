import { describe, expect, test } from 'bun:test'
import { MemoryRateLimiter } from '../../src/ratelimit/memory'

const RULES = { player: { capacity: 2, refillPerSec: 1 }, caller: { capacity: 1_000, refillPerSec: 1 } }

describe('in-memory limiter stays bounded', () => {
  test('idle buckets that have refilled to capacity are swept out', async () => {
    let now = 0
    const limiter = new MemoryRateLimiter(RULES, { now: () => now, sweepIntervalMs: 1_000 })
    for (let i = 0; i < 100; i++) await limiter.take(`p${i}`, 'caller')
    expect(limiter.size).toBe(101)
    now = 5_000 // the players are full again after 1 s; the caller (100 short at 1/s) is not
    await limiter.take('trigger', null)
    expect(limiter.size).toBe(2) // the caller bucket and 'trigger'
    now = 200_000
    await limiter.take('trigger-2', null)
    expect(limiter.size).toBe(1)
  })

  test('a bucket still short of tokens is kept by the sweep', async () => {
    let now = 0
    const limiter = new MemoryRateLimiter({ player: { capacity: 2, refillPerSec: 0.001 }, caller: null }, { now: () => now, sweepIntervalMs: 1 })
    await limiter.take('slow', null)
    await limiter.take('slow', null)
    now = 10_000
    await limiter.take('other', null)
    expect((await limiter.take('slow', null)).allowed).toBe(false)
  })

  test('the number of buckets never passes maxBuckets, even with no idle ones', async () => {
    const limiter = new MemoryRateLimiter(RULES, { now: () => 0, maxBuckets: 1_000 })
    for (let i = 0; i < 10_000; i++) await limiter.take(`flood-${i}`, null)
    expect(limiter.size).toBeLessThanOrEqual(1_000)
  })

  test('eviction drops the least recently used buckets first', async () => {
    const limiter = new MemoryRateLimiter({ player: { capacity: 1, refillPerSec: 0.001 }, caller: null }, { now: () => 0, maxBuckets: 10 })
    await limiter.take('hot', null) // hot is now empty
    for (let i = 0; i < 8; i++) await limiter.take(`cold-${i}`, null)
    expect((await limiter.take('hot', null)).allowed).toBe(false) // refused, but marked as recently used
    for (let i = 8; i < 12; i++) await limiter.take(`cold-${i}`, null)
    expect(limiter.size).toBeLessThanOrEqual(10)
    expect((await limiter.take('hot', null)).allowed).toBe(false) // kept: still empty
    expect((await limiter.take('cold-0', null)).allowed).toBe(true) // evicted, so it restarts full
  })
})
