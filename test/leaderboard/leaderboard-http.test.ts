import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS } from '../support/service'
import {
  deleteBoardKeys,
  SHARED_REDIS_URL,
  startLeaderboardService,
  uniqueBoardKey,
  type LeaderboardTestService,
  type SeedRow,
  waitForFirstRebuild,
} from './support'

type Backend = 'redis' | 'database'

for (const dialect of DIALECTS) {
  for (const backend of ['redis', 'database'] as Backend[]) {
    describe(`GET /leaderboard (${dialect}, ${backend})`, () => {
      let svc: LeaderboardTestService
      const key = uniqueBoardKey()
      const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true })

      /** Commits rows to the database and tells the rank tracker, as a progress write does. */
      async function commit(rows: SeedRow[]) {
        await svc.seed.set(rows)
        await Promise.all(rows.map((row) => svc.service.rankTracker.submit(row.userId, row.total)))
      }

      beforeAll(async () => {
        const env: Record<string, string> = backend === 'redis' ? { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: key } : {}
        svc = await startLeaderboardService(dialect, { env })
        if (backend === 'redis') {
          await redis.connect()
          await waitForFirstRebuild(redis, key)
        }
      })
      afterAll(async () => {
        await svc.close()
        if (backend === 'redis') {
          redis.disconnect()
          await deleteBoardKeys(SHARED_REDIS_URL, key)
        }
      })

      test('an empty board: no entries, zero players', async () => {
        const res = await svc.call('GET', '/leaderboard')
        expect(res.status).toBe(200)
        expect(res.body).toMatchObject({ entries: [], total_players: 0, offset: 0, limit: 20, has_more: false })
        expect(new Date(res.body.generated_at).toISOString()).toBe(res.body.generated_at)
      })

      test('ties 100, 90, 90, 80: ranks 1, 2, 2, 4, the 90s in ascending user_id', async () => {
        await commit([
          { userId: 'p4', total: 80 },
          { userId: 'p2-b', total: 90, starTokens: 2 },
          { userId: 'p1', total: 100 },
          { userId: 'p2-a', total: 90 },
          { userId: 'zero', total: 0 },
        ])
        const res = await svc.call('GET', '/leaderboard')
        expect(res.status).toBe(200)
        expect(res.body.entries).toEqual([
          { user_id: 'p1', score: 100, rank: 1, star_tokens: 0, display_name: null, username: null },
          { user_id: 'p2-a', score: 90, rank: 2, star_tokens: 0, display_name: null, username: null },
          { user_id: 'p2-b', score: 90, rank: 2, star_tokens: 2, display_name: null, username: null },
          { user_id: 'p4', score: 80, rank: 4, star_tokens: 0, display_name: null, username: null },
        ])
        // A player with zero points is not on the leaderboard.
        expect(res.body.total_players).toBe(4)
        expect(res.body.has_more).toBe(false)
      })

      test('offset/limit pages: has_more and total_players', async () => {
        const first = await svc.call('GET', '/leaderboard?limit=2&offset=0')
        expect(first.body.entries.map((e: { user_id: string }) => e.user_id)).toEqual(['p1', 'p2-a'])
        expect(first.body).toMatchObject({ total_players: 4, offset: 0, limit: 2, has_more: true })
        const second = await svc.call('GET', '/leaderboard?limit=2&offset=2')
        expect(second.body.entries.map((e: { user_id: string; rank: number }) => [e.user_id, e.rank])).toEqual([
          ['p2-b', 2],
          ['p4', 4],
        ])
        expect(second.body).toMatchObject({ total_players: 4, offset: 2, limit: 2, has_more: false })
        const past = await svc.call('GET', '/leaderboard?limit=2&offset=10')
        expect(past.body).toMatchObject({ entries: [], total_players: 4, offset: 10, has_more: false })
      })

      test('around_user for the last player: a full page ending at that player', async () => {
        const res = await svc.call('GET', '/leaderboard?around_user=p4&limit=3')
        expect(res.status).toBe(200)
        expect(res.body.entries.map((e: { user_id: string; rank: number }) => [e.user_id, e.rank])).toEqual([
          ['p2-a', 2],
          ['p2-b', 2],
          ['p4', 4],
        ])
        expect(res.body).toMatchObject({ total_players: 4, offset: 1, limit: 3, has_more: false })
      })

      test('around_user: centred in the middle, top page without a score', async () => {
        await commit(Array.from({ length: 12 }, (_, i) => ({ userId: `m${String(i).padStart(2, '0')}`, total: 50 - i })))
        // Order: p1, p2-a, p2-b, p4, m00 (50) … m11 (39): m05 is at position 9.
        const middle = await svc.call('GET', '/leaderboard?around_user=m05&limit=5')
        expect(middle.body.entries.map((e: { user_id: string }) => e.user_id)).toEqual(['m03', 'm04', 'm05', 'm06', 'm07'])
        expect(middle.body).toMatchObject({ offset: 7, limit: 5, total_players: 16, has_more: true })
        expect(middle.body.entries[2].rank).toBe(10)

        const first = await svc.call('GET', '/leaderboard?around_user=p1&limit=5')
        expect(first.body.offset).toBe(0)
        expect(first.body.entries[0].user_id).toBe('p1')

        for (const who of ['nobody', 'zero']) {
          const top = await svc.call('GET', `/leaderboard?around_user=${who}&limit=3`)
          expect(top.status).toBe(200)
          expect(top.body.entries.map((e: { user_id: string }) => e.user_id)).toEqual(['p1', 'p2-a', 'p2-b'])
          expect(top.body).toMatchObject({ offset: 0, has_more: true })
        }
      })

      test('a score only goes up: an older total submitted late changes nothing', async () => {
        await commit([{ userId: 'm11', total: 95 }])
        await svc.service.rankTracker.submit('m11', 39)
        const res = await svc.call('GET', '/leaderboard?around_user=m11&limit=1')
        expect(res.body.entries).toMatchObject([{ user_id: 'm11', score: 95, rank: 2 }])
      })

      test('rank tracker answers competition ranks', async () => {
        expect(await svc.service.rankTracker.rankOf('p2-b', 90)).toBe(3)
        expect(await svc.service.rankTracker.rankOf('p1', 100)).toBe(1)
        expect(await svc.service.rankTracker.rankOf('zero', 0)).toBeNull()
      })

      test('bad query → 422 with the error body', async () => {
        for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=abc', 'limit=2.5', 'around_user=bad%20id', `around_user=${'x'.repeat(65)}`]) {
          const res = await svc.call('GET', `/leaderboard?${query}`)
          expect(res.status, query).toBe(422)
          expect(res.body.code).toBe('validation_error')
          expect(typeof res.body.detail).toBe('string')
        }
      })
    })
  }
}
