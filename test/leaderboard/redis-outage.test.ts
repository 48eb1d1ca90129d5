import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type Redis from 'ioredis'
import { DIALECTS } from '../support/service'
import { OwnRedis, startLeaderboardService, uniqueBoardKey, type LeaderboardTestService, type SeedRow } from './support'
import { waitFor } from '../support/wait'

type Entry = { user_id: string; score: number; rank: number }

for (const dialect of DIALECTS) {
  describe(`leaderboard while Redis goes away (${dialect}, own redis-server)`, () => {
    let redis: OwnRedis
    let svc: LeaderboardTestService
    let observer: Redis
    const key = uniqueBoardKey()
    /** What the database holds: the truth. */
    const truth = new Map<string, number>()

    async function commit(rows: SeedRow[]) {
      for (const row of rows) truth.set(row.userId, row.total)
      await svc.seed.set(rows)
      return Promise.all(rows.map((row) => svc.service.rankTracker.submit(row.userId, row.total)))
    }

    function expectedEntries(): Entry[] {
      const sorted = [...truth].filter(([, total]) => total > 0).sort(([ua, a], [ub, b]) => b - a || Buffer.compare(Buffer.from(ua), Buffer.from(ub)))
      return sorted.map(([userId, score]) => ({ user_id: userId, score, rank: 1 + sorted.filter(([, other]) => other > score).length }))
    }

    async function leaderboard(): Promise<{ entries: Entry[]; total_players: number }> {
      const res = await svc.call('GET', '/leaderboard?limit=100')
      expect(res.status).toBe(200)
      return { entries: res.body.entries.map(({ user_id, score, rank }: Entry) => ({ user_id, score, rank })), total_players: res.body.total_players }
    }

    async function expectMatchesDatabase() {
      const expected = expectedEntries()
      expect(await leaderboard()).toEqual({ entries: expected, total_players: expected.length })
    }

    const markerPresent = async () => (await observer.exists(`${key}:marker`).catch(() => 0)) === 1

    beforeAll(async () => {
      redis = await OwnRedis.start()
      observer = redis.client()
      svc = await startLeaderboardService(dialect, {
        env: { ACHIEVEMENT_REDIS_URL: redis.url, LEADERBOARD_KEY: key },
        options: { leaderboard: { checkIntervalMs: 100, redis: { cooldownMs: 100, commandTimeoutMs: 150 } } },
      })
      await waitFor('the first rebuild', markerPresent, 5_000)
      const ranks = await commit(Array.from({ length: 30 }, (_, i) => ({ userId: `u${String(i).padStart(2, '0')}`, total: 100 + 10 * Math.floor(i / 3) })))
      expect(ranks.every((rank) => typeof rank === 'number')).toBe(true)
      expect(await observer.zcard(key)).toBe(30)
    })
    afterAll(async () => {
      observer.disconnect()
      await svc.close()
      await redis.kill()
    })

    test('Redis killed: reads come from the database with the same ranks; submits answer null at once', async () => {
      const before = await leaderboard()
      await expectMatchesDatabase()
      await redis.kill()

      expect(await leaderboard()).toEqual(before)

      const startedAt = performance.now()
      const ranks = await commit([
        { userId: 'u00', total: 500 },
        { userId: 'new-1', total: 145 },
        { userId: 'new-2', total: 1 },
      ])
      expect(ranks).toEqual([null, null, null])
      expect(performance.now() - startedAt).toBeLessThan(200)
      // Writes made while Redis is down are in the database, and reads show them.
      await expectMatchesDatabase()
      expect(await svc.service.rankTracker.rankOf('u00', 500)).toBe(1)
    })

    test('Redis back but empty: the board is rebuilt from the database without a manual step', async () => {
      await redis.restart()
      // Until the rebuild sets the marker, reads keep coming from the database.
      await expectMatchesDatabase()
      await waitFor('the rebuild after the restart', markerPresent, 5_000)
      const board = await observer.zrevrange(key, 0, -1, 'WITHSCORES')
      expect(board.length / 2).toBe(truth.size)
      for (let i = 0; i < board.length; i += 2) expect(Number(board[i + 1])).toBe(truth.get(board[i]!)!)
      await expectMatchesDatabase()
      expect(await commit([{ userId: 'new-2', total: 600 }])).toEqual([1])
      await expectMatchesDatabase()
    })

    test('a flushed Redis is noticed by the periodic marker check and rebuilt', async () => {
      await observer.flushall()
      await expectMatchesDatabase()
      await waitFor('the rebuild after the flush', async () => (await markerPresent()) && (await observer.zcard(key)) === truth.size, 5_000)
      await expectMatchesDatabase()
    })

    test('a marker from another Redis run (restored from an old snapshot) triggers a rebuild', async () => {
      const runId = /run_id:(\w+)/.exec(await observer.info('server'))![1]!
      await observer.zadd(key, 1, 'u03')
      await observer.set(`${key}:marker`, 'an-older-run')
      await waitFor('the rebuild after the restore', async () => (await observer.get(`${key}:marker`)) === runId, 5_000)
      expect(await observer.zscore(key, 'u03')).toBe(String(truth.get('u03')))
      await expectMatchesDatabase()
    })

    test('Redis hanging (SIGSTOP): reads and submits stay bounded; after SIGCONT the lost writes are restored', async () => {
      redis.pause()
      try {
        const readStart = performance.now()
        await expectMatchesDatabase()
        expect(performance.now() - readStart).toBeLessThan(1_000)
        const submitStart = performance.now()
        expect(await commit([{ userId: 'u01', total: 700 }])).toEqual([null])
        // The circuit is open now: this write is not even sent to Redis.
        expect(await commit([{ userId: 'u02', total: 710 }])).toEqual([null])
        expect(performance.now() - submitStart).toBeLessThan(1_000)
        await expectMatchesDatabase()
      } finally {
        redis.resume()
      }
      // The keeper knows writes were lost and rebuilds from the database (marker dropped, then set again).
      await waitFor('the lost write to be restored', async () => (await observer.zscore(key, 'u02')) === '710' && (await markerPresent()), 5_000)
      expect(await observer.zscore(key, 'u01')).toBe('700')
      await expectMatchesDatabase()
    })
  })
}
