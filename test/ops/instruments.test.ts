import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { metricLines } from './support'
import { SHARED_REDIS_URL } from '../support/redis'
import { waitFor } from '../support/wait'


describe.skipIf(!DIALECTS.includes('postgres'))('service metrics with every dependency configured (postgres)', () => {
  const boardKey = `test:ops:metrics:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
  let svc: TestService
  let users: ReturnType<typeof Bun.serve>
  let notifications: ReturnType<typeof Bun.serve>
  let userLookups = 0

  const sample = async (name: string): Promise<number | undefined> => {
    const lines = metricLines((await svc.call('GET', '!/metrics')).body as string)
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    return line === undefined ? undefined : Number(line.split(' ').at(-1))
  }

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
    const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    const keys = await redis.keys(`${boardKey}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
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
