import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS } from '../support/service'
import { deleteBoardKeys, SHARED_REDIS_URL, startLeaderboardService, uniqueBoardKey, waitForFirstRebuild, type LeaderboardTestService } from './support'

for (const dialect of DIALECTS) {
  describe(`POST /leaderboard/rebuild (${dialect})`, () => {
    let svc: LeaderboardTestService
    let noRedis: LeaderboardTestService
    const key = uniqueBoardKey()
    const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true })

    beforeAll(async () => {
      svc = await startLeaderboardService(dialect, { env: { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: key } })
      noRedis = await startLeaderboardService(dialect)
      await redis.connect()
      await waitForFirstRebuild(redis, key)
    })
    afterAll(async () => {
      await svc.close()
      await noRedis.close()
      await deleteBoardKeys(SHARED_REDIS_URL, key)
      redis.disconnect()
    })

    test('rebuilds the Redis board from the database on demand', async () => {
      for (const [user, bonus] of [['r1', 300], ['r2', 100], ['r3', 200]] as const) {
        expect((await svc.call('POST', `/users/${user}/progress`, { score_bonus: bonus })).status).toBe(200)
      }
      // The board loses a player behind the service's back; a rebuild restores it from the database.
      await redis.zrem(key, 'r2')
      const res = await svc.call('POST', '/leaderboard/rebuild')
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ status: 'rebuilt', players: 3, duration_ms: expect.any(Number) })
      expect(await redis.zrevrange(key, 0, -1, 'WITHSCORES')).toEqual(['r1', '300', 'r3', '200', 'r2', '100'])
    })

    test('without Redis there is nothing to rebuild', async () => {
      const res = await noRedis.call('POST', '/leaderboard/rebuild')
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ status: 'not_needed', players: null, duration_ms: null })
    })
  })
}
