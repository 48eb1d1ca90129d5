import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { refusingPort } from './support'
import { SHARED_REDIS_URL } from '../support/redis'


async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
  } finally {
    redis.disconnect()
  }
}

for (const dialect of DIALECTS) {
  describe(`health and readiness (${dialect})`, () => {
    const boardKey = `test:ops:lb:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
    let withRedis: TestService
    beforeAll(async () => {
      withRedis = await startTestService(dialect, {
        env: { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: boardKey, ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0' },
      })
    })
    afterAll(async () => {
      await withRedis.close()
      await deleteKeys(boardKey)
    })

    test('/health is 200 with the fixed body', async () => {
      const health = await withRedis.call('GET', '!/health')
      expect(health.status).toBe(200)
      expect(health.body).toEqual({ status: 'healthy', service: 'achievement-service' })
    })

    test('/ready is 200 when the database and Redis answer, naming each check', async () => {
      // The Redis connection is opened in the background at start.
      let ready = await withRedis.call('GET', '!/ready')
      for (let i = 0; i < 50 && ready.status !== 200; i++) {
        await Bun.sleep(20)
        ready = await withRedis.call('GET', '!/ready')
      }
      expect(ready.status).toBe(200)
      expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } })
    })

    test('/ready is 503 with the error body, the failing check and Retry-After while configured Redis does not answer; /health stays 200', async () => {
      const port = await refusingPort()
      const svc = await startTestService(dialect, {
        env: { ACHIEVEMENT_REDIS_URL: `redis://127.0.0.1:${port}`, ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0' },
      })
      try {
        const started = performance.now()
        const ready = await svc.call('GET', '!/ready')
        expect(performance.now() - started).toBeLessThan(2_000)
        expect(ready.status).toBe(503)
        expect(ready.headers.get('retry-after')).toBe('1')
        expect(ready.body).toMatchObject({ code: 'not_ready', checks: { database: 'ok', redis: 'unavailable' } })
        expect(ready.body.detail).toContain('redis')
        expect((await svc.call('GET', '!/health')).status).toBe(200)
        // The API itself still works without Redis (the leaderboard falls back to the database).
        expect((await svc.call('GET', '/leaderboard')).status).toBe(200)
      } finally {
        await svc.close()
      }
    })

    test('while draining: /ready is 503 shutting_down with Retry-After, /health stays 200', async () => {
      const svc = await startTestService(dialect)
      try {
        expect((await svc.call('GET', '!/ready')).status).toBe(200)
        svc.service.deps.ops.lifecycle.beginDrain()
        const ready = await svc.call('GET', '!/ready')
        expect(ready.status).toBe(503)
        expect(ready.headers.get('retry-after')).toBe('1')
        expect(ready.body).toEqual({ detail: 'Service is shutting down', code: 'shutting_down', checks: {} })
        expect((await svc.call('GET', '!/health')).status).toBe(200)
      } finally {
        await svc.close()
      }
    })
  })
}
