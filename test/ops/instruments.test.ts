import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { refusingPort, sampleOf } from './support'
import { SHARED_REDIS_URL } from '../support/redis'
import { waitFor } from '../support/wait'

/** Deletes the shared Redis keys a test made (never FLUSH: the server is shared). */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
}


describe.skipIf(!DIALECTS.includes('postgres'))('service metrics with every dependency configured (postgres)', () => {
  const boardKey = `test:ops:metrics:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
  let svc: TestService
  let users: ReturnType<typeof Bun.serve>
  let notifications: ReturnType<typeof Bun.serve>
  let userLookups = 0

  const sample = (name: string) => sampleOf(svc, name)

  beforeAll(async () => {
    users = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (request) => {
        userLookups++
        const id = new URL(request.url).pathname.split('/').at(-1)
        return Response.json({ username: `user-${id}`, display_name: `User ${id}` })
      },
    })
    notifications = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ id: 'n' }, { status: 201 }) })
    svc = await startTestService('postgres', {
      env: {
        ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL,
        LEADERBOARD_KEY: boardKey,
        USER_SERVICE_URL: `http://127.0.0.1:${users.port}`,
        NOTIFICATION_SERVICE_URL: `http://127.0.0.1:${notifications.port}`,
        ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0',
      },
      options: { notifications: { pollIntervalMs: 20 } },
    })
    expect((await svc.call('POST', '/achievements', { code: 'first-win', title: 'First', description: '', points: 10 })).status).toBe(201)
  })
  afterAll(async () => {
    await svc.close()
    await users.stop(true)
    await notifications.stop(true)
    await deleteRedisKeys(boardKey)
  })

  test('user-service cache hit ratio: a second page of the same names is answered from the cache', async () => {
    for (const player of ['p1', 'p2', 'p3']) expect((await svc.call('POST', `/users/${player}/progress`, { achievement_code: 'first-win' })).status).toBe(200)
    expect((await svc.call('GET', '/leaderboard')).body.entries).toHaveLength(3)
    expect((await svc.call('GET', '/leaderboard')).body.entries[0].username).toMatch(/^user-p/)
    expect(userLookups).toBe(3)
    expect(await sample('achievement_user_names_requested_total')).toBe(6)
    expect(await sample('achievement_user_service_lookups_total')).toBe(3)
    expect(await sample('achievement_user_cache_hit_ratio')).toBe(0.5)
  })

  test('leaderboard state: Redis usable and trusted once rebuilt, write lag observed; notifications counted; database circuit closed', async () => {
    await waitFor('the Redis board to be trusted', async () => (await sample('achievement_leaderboard_database_fallback')) === 0, 5_000)
    expect(await sample('achievement_leaderboard_redis_usable')).toBe(1)
    expect(await sample('achievement_leaderboard_rebuilds_total')).toBeGreaterThanOrEqual(1)
    expect(await sample('achievement_leaderboard_write_seconds_count')).toBeGreaterThanOrEqual(3)
    await waitFor('the unlocks to be delivered', async () => (await sample('achievement_notifications_total')) === 3, 5_000)
    expect(await sample('achievement_outbox_pending')).toBe(0)
    expect(await sample('achievement_storage_circuit_open')).toBe(0)
    expect(await sample('achievement_storage_circuit_trips_total')).toBe(0)
  })
})

describe('rate-limit metrics of the shared (Redis) limiter', () => {
  const dialect = DIALECTS[0]!
  const postFor = (svc: TestService, players: string[]) =>
    Promise.all(players.map((player) => svc.call('POST', `/users/${player}/progress`, { score_bonus: 5 })))

  test('with Redis up: every check goes to Redis, several to one script call, none answered locally', async () => {
    const prefix = `test:ops:ratelimit:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
    const svc = await startTestService(dialect, {
      env: { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: `${prefix}:board`, ACHIEVEMENT_RATE_LIMIT_KEY_PREFIX: prefix },
    })
    try {
      const answers = await postFor(svc, ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'])
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200])
      expect(await sampleOf(svc, 'achievement_rate_limit_redis_checks_total')).toBe(6)
      const calls = (await sampleOf(svc, 'achievement_rate_limit_redis_calls_total'))!
      expect(calls).toBeGreaterThanOrEqual(1)
      expect(calls).toBeLessThan(6) // posts made in one event-loop turn share a call
      expect(await sampleOf(svc, 'achievement_rate_limit_fail_open_checks_total')).toBe(0)
    } finally {
      await svc.close()
      await deleteRedisKeys(prefix)
    }
  })

  test('with Redis unreachable: the posts are still answered, and each check is counted as answered locally', async () => {
    const svc = await startTestService(dialect, { env: { ACHIEVEMENT_REDIS_URL: `redis://127.0.0.1:${await refusingPort()}` } })
    try {
      const answers = await postFor(svc, ['u1', 'u2', 'u3'])
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
      expect(await sampleOf(svc, 'achievement_rate_limit_fail_open_checks_total')).toBe(3)
      expect(await sampleOf(svc, 'achievement_rate_limit_redis_checks_total')).toBeLessThanOrEqual(3)
    } finally {
      await svc.close()
    }
  })

  test('without Redis the per-instance limiter has no Redis series', async () => {
    const svc = await startTestService(dialect)
    try {
      expect(await sampleOf(svc, 'achievement_rate_limit_redis_calls_total')).toBeUndefined()
      expect(await sampleOf(svc, 'achievement_rate_limit_fail_open_checks_total')).toBeUndefined()
    } finally {
      await svc.close()
    }
  })
})
