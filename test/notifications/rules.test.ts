import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { notificationPayload, notificationRequest } from '../../src/notifications/payload'
import { judgeResponse, parseRetryAfterMs, retryDelayMs } from '../../src/notifications/retry'

const entry = {
  id: '0b6f9c1e-5d2a-4d8e-9a57-2f1f3c4b5a69',
  userId: '42',
  achievementCode: 'first-win',
  title: 'First Victory',
  rewardPoints: 120,
  scoreDelta: 620,
  starTokensAwarded: 1,
}

describe('notification payload', () => {
  test('has the contract shape with string metadata values', () => {
    expect(notificationPayload(entry)).toEqual({
      user_id: '42',
      title: '🎖 Achievement Unlocked',
      message: 'You unlocked First Victory (+120 XP)!',
      category: 'achievement',
      priority: 'normal',
      metadata: { achievement_code: 'first-win', score_delta: '620', star_tokens: '1' },
    })
  })

  test('the request carries the outbox id as Idempotency-Key and a JSON content type', () => {
    const request = notificationRequest(entry)
    expect(request.headers).toEqual({ 'content-type': 'application/json', 'idempotency-key': entry.id })
    expect(JSON.parse(request.body)).toEqual(notificationPayload(entry))
  })
})

describe('response verdicts', () => {
  test('2xx is delivered', () => {
    for (const status of [200, 201, 202, 204]) expect(judgeResponse(status)).toBe('delivered')
  })
  test('4xx other than 408/409/425/429 is rejected for good', () => {
    for (const status of [400, 401, 403, 404, 413, 422]) expect(judgeResponse(status)).toBe('reject')
  })
  test('5xx, 3xx, 408, 409, 425 and 429 are retried', () => {
    for (const status of [500, 502, 503, 504, 301, 408, 409, 425, 429]) expect(judgeResponse(status)).toBe('retry')
  })
})

describe('retry delay', () => {
  const policy = { baseDelayMs: 1_000, maxDelayMs: 600_000 }

  test('full jitter stays within [0, min(cap, base * 2^(attempt-1))]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = retryDelayMs(attempt, policy, () => r)
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
        return delay >= 0 && delay <= ceiling && Number.isInteger(delay)
      }),
    )
  })

  test('the ceiling doubles per attempt up to the cap', () => {
    const top = (attempt: number) => retryDelayMs(attempt, policy, () => 1)
    expect([1, 2, 3, 4].map(top)).toEqual([1_000, 2_000, 4_000, 8_000])
    expect(top(11)).toBe(600_000)
    expect(top(1_000)).toBe(600_000)
  })

  test('Retry-After is a floor, still capped', () => {
    expect(retryDelayMs(1, policy, () => 0, 30_000)).toBe(30_000)
    expect(retryDelayMs(1, policy, () => 0, 86_400_000)).toBe(600_000)
  })

  test('Retry-After parses seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('7')).toBe(7_000)
    expect(parseRetryAfterMs(null)).toBeNull()
    expect(parseRetryAfterMs('soon')).toBeNull()
    const now = Date.parse('2026-11-27T10:00:00.000Z')
    expect(parseRetryAfterMs('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000)
  })
})
