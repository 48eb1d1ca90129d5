import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { JWT_ENV, authorizationFor } from '../auth/tokens'
import { REDIS_URL, deleteKeys, testKeyPrefix } from './redis-support'

// Two posts per player, then (practically) no refill: the third is refused for the whole test.
const LIMIT_ENV = { ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST: '2', ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC: '0.01' }
const ACHIEVEMENT = { code: 'rl-target', title: 'Ten wins', description: '', progress_target: 10 }
const post = (userId = 'rl-player') => ['POST', `/users/${userId}/progress`, { achievement_code: ACHIEVEMENT.code, progress_delta: 1 }] as const

for (const dialect of DIALECTS) {
  describe(`progress rate limit over HTTP (${dialect})`, () => {
    let svc: TestService
    let progressToken: Record<string, string>
    beforeAll(async () => {
      svc = await startTestService(dialect, { env: { ...JWT_ENV, ...LIMIT_ENV } })
      progressToken = await authorizationFor('progress')
      expect((await svc.call('POST', '/achievements', ACHIEVEMENT, await authorizationFor('admin'))).status).toBe(201)
    })
    afterAll(async () => {
      await svc.close()
    })

    test('unauthorized posts do not drain the player’s bucket', async () => {
      for (let i = 0; i < 5; i++) expect((await svc.call(...post(), undefined)).status).toBe(401)
      for (let i = 0; i < 5; i++) expect((await svc.call(...post(), await authorizationFor('player'))).status).toBe(403)
    })

    test('past the burst: 429 with Retry-After and the contract body, and nothing changes', async () => {
      expect((await svc.call(...post(), progressToken)).status).toBe(200)
      expect((await svc.call(...post(), progressToken)).status).toBe(200)
      const limited = await svc.call(...post(), progressToken)
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(Number.isInteger(Number(limited.headers.get('retry-after')))).toBe(true)
      expect(limited.body).toEqual({ detail: expect.any(String), code: 'rate_limited' })
      const overview = await svc.call('GET', '/users/rl-player/overview')
      expect(overview.body.achievements[0].progress_current).toBe(2)
    })

    test('other players are not affected', async () => {
      expect((await svc.call(...post('rl-other'), progressToken)).status).toBe(200)
    })

    test('a refused player gets 429 whatever else is wrong with the post (unknown code, bad rule, bad key), and no key is claimed', async () => {
      // rl-player's bucket is empty (previous test); the check runs beside the rest of the request.
      const unknown = await svc.call('POST', '/users/rl-player/progress', { achievement_code: 'no-such-code' }, progressToken)
      expect(unknown.status).toBe(429)
      const ruleBroken = await svc.call('POST', '/users/rl-player/progress', { achievement_code: ACHIEVEMENT.code, updates: [{ achievement_code: ACHIEVEMENT.code }] }, progressToken)
      expect(ruleBroken.status).toBe(429)
      const badKey = await svc.call(...post(), { ...progressToken, 'idempotency-key': 'bad key with spaces' })
      expect(badKey.status).toBe(429)
      const keyed = await svc.call(...post(), { ...progressToken, 'idempotency-key': 'rl-refused-key' })
      expect(keyed.status).toBe(429)
      // The refused key was never claimed: another player's post may use it at once.
      const reused = await svc.call('POST', '/users/rl-keyed/progress', { achievement_code: ACHIEVEMENT.code, progress_delta: 3 }, {
        ...progressToken,
        'idempotency-key': 'rl-refused-key',
      })
      expect(reused.status).toBe(200)
      expect(reused.headers.get('idempotent-replayed')).toBeNull()
      const overview = await svc.call('GET', '/users/rl-player/overview')
      expect(overview.body.achievements[0].progress_current).toBe(2)
    })
  })
}

describe('progress rate limit shared through Redis by two instances', () => {
  const prefix = testKeyPrefix()
  let first: TestService
  let second: TestService
  beforeAll(async () => {
    const env = { ...JWT_ENV, ...LIMIT_ENV, ACHIEVEMENT_REDIS_URL: REDIS_URL, ACHIEVEMENT_RATE_LIMIT_KEY_PREFIX: prefix, LEADERBOARD_KEY: `${prefix}:lb` }
    first = await startTestService('sqlite', { env })
    second = await startTestService('sqlite', { env })
    for (const svc of [first, second]) {
      expect((await svc.call('POST', '/achievements', ACHIEVEMENT, await authorizationFor('admin'))).status).toBe(201)
    }
  })
  afterAll(async () => {
    await first.close()
    await second.close()
    const redis = new Redis(REDIS_URL)
    await deleteKeys(redis, prefix)
    await redis.del(`${prefix}:lb`)
    await redis.quit()
  })

  test('the burst is spent across instances', async () => {
    const token = await authorizationFor('progress')
    expect((await first.call(...post('shared-player'), token)).status).toBe(200)
    expect((await second.call(...post('shared-player'), token)).status).toBe(200)
    expect((await first.call(...post('shared-player'), token)).status).toBe(429)
    expect((await second.call(...post('shared-player'), token)).status).toBe(429)
  })
})
