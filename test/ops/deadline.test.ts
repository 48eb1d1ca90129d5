import { afterAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { backstopTimeoutMs, withDeadline } from '../../src/ops/deadline'
import { SHARED_REDIS_URL } from '../support/redis'

/** Keeps the event loop busy, as a synchronous SQLite commit on a slow disk does. */
function blockTheLoop(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {}
}

describe('withDeadline', () => {
  const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 0, commandTimeout: backstopTimeoutMs(50) })
  afterAll(() => redis.disconnect())

  test('a promise that never settles is rejected with the timeout error once the deadline has passed', async () => {
    const startedAt = performance.now()
    await expect(withDeadline(new Promise(() => {}), 30, () => new Error('too slow'))).rejects.toThrow('too slow')
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(29)
  })

  test('an outcome before the deadline wins', async () => {
    expect(await withDeadline(Bun.sleep(5).then(() => 'done'), 200, () => new Error('too slow'))).toBe('done')
  })

  test('a Redis reply that arrived while the event loop was blocked past the deadline still wins', async () => {
    await redis.ping()
    for (let round = 0; round < 3; round++) {
      const reply = withDeadline(redis.ping(), 50, () => new Error('deadline'))
      blockTheLoop(200)
      expect(await reply).toBe('PONG')
    }
  })

  test("the client's own command timer is a backstop well beyond the deadline: at the deadline it would lose that reply", async () => {
    expect(backstopTimeoutMs(50)).toBeGreaterThanOrEqual(1_000)
    expect(backstopTimeoutMs(400)).toBe(1_600)
    // Why ioredis' commandTimeout (the rate limiter's and the leaderboard link's) is only a backstop: its timer
    // rejects a command whose reply is already waiting, as soon as the blocked loop runs timers again.
    const strict = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 0, commandTimeout: 50 })
    try {
      await strict.ping()
      const reply = withDeadline(strict.ping(), 50, () => new Error('deadline'))
      blockTheLoop(200)
      await expect(reply).rejects.toThrow('Command timed out')
    } finally {
      strict.disconnect()
    }
  })
})
