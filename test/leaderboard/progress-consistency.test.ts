import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { deleteBoardKeys, SHARED_REDIS_URL, startLeaderboardService, uniqueBoardKey, waitForFirstRebuild, type LeaderboardTestService } from './support'
import { waitFor } from '../support/wait'

const PLAYERS = 1_000
const POSTS = 10_000

/** A deterministic mix: achievement progress with and without a bonus, and bonus-only posts. */
function body(i: number): Record<string, unknown> {
  if (i % 4 === 0) return { score_bonus: 1 + (i % 97), notify: false }
  return { achievement_code: i % 3 === 0 ? 'lb-grind' : 'lb-first', progress_delta: 1, score_bonus: i % 5, notify: false }
}

for (const dialect of DIALECTS) {
  describe(`leaderboard under concurrent progress (${dialect})`, () => {
    let first: LeaderboardTestService
    let second: TestService
    const key = uniqueBoardKey()
    const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true })

    beforeAll(async () => {
      const env = { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: key }
      first = await startLeaderboardService(dialect, { env })
      // Postgres: a second instance on the same database and the same Redis board.
      second = dialect === 'postgres' ? await startTestService(dialect, { databaseUrl: first.databaseUrl, env }) : first
      await redis.connect()
      await waitForFirstRebuild(redis, key)
      for (const achievement of [
        { code: 'lb-first', points: 40, progress_target: 1 },
        { code: 'lb-grind', points: 250, progress_target: 3 },
      ]) {
        expect((await first.call('POST', '/achievements', { ...achievement, title: achievement.code, description: '' })).status).toBe(201)
      }
    })
    afterAll(async () => {
      redis.disconnect()
      if (second !== first) await second.close()
      await first.close()
      await deleteBoardKeys(SHARED_REDIS_URL, key)
    })

    test(`${POSTS} concurrent progress posts across ${PLAYERS} players: every Redis score equals the database total`, async () => {
      const responses = await Promise.all(
        Array.from({ length: POSTS }, (_, i) => (i % 2 ? second : first).call('POST', `/users/racer-${i % PLAYERS}/progress`, body(i))),
      )
      expect(responses.filter((r) => r.status !== 200).map((r) => [r.status, r.body])).toEqual([])

      const database = new Map<string, number>()
      for (let after: string | null = null; ; ) {
        const chunk = await first.service.storage.scores.scan(after, 1_000)
        for (const entry of chunk) database.set(entry.userId, entry.totalPoints)
        if (chunk.length < 1_000) break
        after = chunk[chunk.length - 1]!.userId
      }
      expect(database.size).toBe(PLAYERS)
      // Each player's highest leaderboard_score answered is its final total.
      const answered = new Map<string, number>()
      responses.forEach((r, i) => {
        const player = `racer-${i % PLAYERS}`
        answered.set(player, Math.max(answered.get(player) ?? 0, r.body.leaderboard_score))
      })
      expect(answered).toEqual(database)

      // A write that timed out locally under this load may have triggered a rebuild: wait until the board is marked complete.
      await waitFor('a complete board', async () => (await redis.exists(`${key}:marker`)) === 1, 10_000)
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES')
      const inRedis = new Map<string, number>()
      for (let i = 0; i < flat.length; i += 2) inRedis.set(flat[i]!, Number(flat[i + 1]))
      expect(inRedis).toEqual(database)

      const top = await first.call('GET', '/leaderboard?limit=100')
      const expectedTop = [...database].sort(([ua, a], [ub, b]) => b - a || Buffer.compare(Buffer.from(ua), Buffer.from(ub))).slice(0, 100)
      expect(top.body.entries.map((e: { user_id: string; score: number }) => [e.user_id, e.score])).toEqual(expectedTop)
      expect(top.body.total_players).toBe(PLAYERS)
    }, 60_000)
  })
}
