import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
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
