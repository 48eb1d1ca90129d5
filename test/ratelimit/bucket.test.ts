import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { decide, isFull, levelAt, retryAfterSec } from '../../src/ratelimit/bucket'

const rule = { capacity: 10, refillPerSec: 2 }

describe('token bucket rules', () => {
  test('an absent bucket is full', () => {
    expect(levelAt(undefined, rule, 1_000)).toBe(10)
  })
  test('refills at the rate, up to capacity', () => {
    expect(levelAt({ tokens: 0, updatedMs: 0 }, rule, 1_500)).toBe(3)
    expect(levelAt({ tokens: 0, updatedMs: 0 }, rule, 60_000)).toBe(10)
  })
  test('a clock going backwards refills nothing', () => {
    expect(levelAt({ tokens: 2, updatedMs: 5_000 }, rule, 4_000)).toBe(2)
  })
  test('retry-after is whole seconds until one token, at least 1', () => {
    expect(retryAfterSec(0, rule)).toBe(1)
    expect(retryAfterSec(0, { capacity: 1, refillPerSec: 0.25 })).toBe(4)
    expect(retryAfterSec(0.9, { capacity: 1, refillPerSec: 100 })).toBe(1)
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0.001, max: 1e6, noNaN: true }), (level, rate) => {
        const seconds = retryAfterSec(level, { capacity: 5, refillPerSec: rate })
        return Number.isInteger(seconds) && seconds >= 1 && level + seconds * rate >= 1 - 1e-9
      }),
    )
  })
  test('isFull once refilled to capacity', () => {
    expect(isFull({ tokens: 9, updatedMs: 0 }, rule, 400)).toBe(false)
    expect(isFull({ tokens: 9, updatedMs: 0 }, rule, 500)).toBe(true)
  })
  test('decide: allowed only when every bucket holds a token; the longest wait names the limit', () => {
    expect(decide([{ limitedBy: 'player', rule, level: 1 }])).toEqual({ allowed: true })
    expect(
      decide([
        { limitedBy: 'player', rule, level: 0.5 },
        { limitedBy: 'caller', rule: { capacity: 1, refillPerSec: 0.1 }, level: 0 },
      ]),
    ).toEqual({ allowed: false, retryAfterSec: 10, limitedBy: 'caller' })
  })
})
