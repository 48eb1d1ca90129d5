import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { deleteBoardKeys, SHARED_REDIS_URL, uniqueBoardKey, waitForFirstRebuild } from '../leaderboard/support'
import { waitFor } from '../support/wait'
import { holdScoreRowLock } from '../support/postgres'
import { DIALECTS, startTestService, type TestService } from '../support/service'

// Deadline 300 ms; past it a call may go on to 3 s while the database answers pings.
const GUARD = { callTimeoutMs: 300, slowCallTimeoutMs: 3_000, cooldownMs: 1_000 }
const LOCK_HELD_MS = 900

describe.skipIf(!DIALECTS.includes('postgres'))('a slow database is not a down one (postgres, through HTTP)', () => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService('postgres', { options: { ops: { storageGuard: GUARD } } })
  })
  afterAll(async () => {
    await service.close()
  })

  test('posts waiting past the deadline on a row lock (the database answering pings) are answered 200 when it is released, and later calls are not refused', async () => {
    expect((await service.call('POST', '/users/slow-1/progress', { score_bonus: 10 })).status).toBe(200)

    const lock = await holdScoreRowLock(service.databaseUrl, 'slow-1', LOCK_HELD_MS)
    const started = performance.now()
    // The locked player's post, and another player's queued behind its batch.
    const [locked1, other] = await Promise.all([
      service.call('POST', '/users/slow-1/progress', { score_bonus: 5 }),
      Bun.sleep(20).then(() => service.call('POST', '/users/slow-2/progress', { score_bonus: 7 })),
    ])
    const ms = performance.now() - started
    await lock.released

    expect(ms).toBeGreaterThan(GUARD.callTimeoutMs + 300)
    expect([locked1.status, other.status]).toEqual([200, 200])
    expect(locked1.body.user.total_points).toBe(15)
    expect(other.body.user.total_points).toBe(7)
    // The circuit stayed closed: a read right after is answered, not refused with 503.
    expect((await service.call('GET', '/users/slow-1/overview')).status).toBe(200)
    const metrics = (await service.call('GET', '!/metrics')).body
    expect(String(metrics)).toMatch(/achievement_storage_slow_calls_total\{operation="progress\.applyBatch"\} 1\b/)
    expect(String(metrics)).not.toMatch(/achievement_storage_failures_total\{kind="timeout"\} [1-9]/)
  })
})

// Past the 300 ms deadline a call may go on only to 600 ms: a lock held for longer makes the post's batch abandoned.
const SHORT_PATIENCE = { callTimeoutMs: 300, slowCallTimeoutMs: 600, cooldownMs: 1_000 }

describe.skipIf(!DIALECTS.includes('postgres'))(
  'a batch abandoned at its deadline that commits later (postgres, Redis board)',
  () => {
    let service: TestService
    const key = uniqueBoardKey()
    const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true })
    beforeAll(async () => {
      service = await startTestService('postgres', {
        env: { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: key },
        options: { ops: { storageGuard: SHORT_PATIENCE } },
      })
      await redis.connect()
      await waitForFirstRebuild(redis, key)
    })
    afterAll(async () => {
      redis.disconnect()
      await service.close()
      await deleteBoardKeys(SHARED_REDIS_URL, key)
    })

    test('is answered 503, and once it commits its total reaches the leaderboard although the player posts no more', async () => {
      expect((await service.call('POST', '/users/late-1/progress', { score_bonus: 10 })).status).toBe(200)
      expect(await redis.zscore(key, 'late-1')).toBe('10')

      const lock = await holdScoreRowLock(service.databaseUrl, 'late-1', 1_000)
      const abandoned = await service.call('POST', '/users/late-1/progress', { score_bonus: 5 })
      expect(abandoned.status).toBe(503)
      await lock.released

      // The statement waited for the lock and then committed: the database has the post, and so does the board.
      await waitFor('the committed total on the board', async () => (await redis.zscore(key, 'late-1')) === '15', 3_000)
      // (The abandoned call opened the circuit: reads fail fast for its 1 s cooldown.)
      await waitFor(
        'the circuit to close',
        async () => (await service.call('GET', '/users/late-1/overview')).status === 200,
        3_000,
      )
      expect((await service.call('GET', '/users/late-1/overview')).body.user.total_points).toBe(15)
    })
  },
)
