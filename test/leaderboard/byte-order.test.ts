import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { createTestDatabase, type TestDatabase } from '../support/postgres'
import {
  deleteBoardKeys,
  SHARED_REDIS_URL,
  startLeaderboardService,
  uniqueBoardKey,
  type LeaderboardTestService,
} from './support'
import { waitFor } from '../support/wait'
import Redis from 'ioredis'

// Tied players whose order differs between byte order and a linguistic collation (en-US puts 'a' before 'A' and
// 'B', and orders punctuation apart from letters).
const TIED = ['B', 'a', 'A', 'b', 'a-b', 'a_b', 'ab', 'Z9', '0', 'a.b', 'a:b']
const byteOrder = (ids: string[]) => [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))

for (const backend of ['database', 'redis'] as const) {
  describe(`leaderboard ties on a Postgres database whose default collation is en-US (${backend})`, () => {
    let database: TestDatabase
    let svc: LeaderboardTestService
    const key = uniqueBoardKey()

    beforeAll(async () => {
      database = await createTestDatabase('ach_icu', { icuLocale: 'en-US' })
      const env: Record<string, string> =
        backend === 'redis' ? { ACHIEVEMENT_REDIS_URL: SHARED_REDIS_URL, LEADERBOARD_KEY: key } : {}
      svc = await startLeaderboardService('postgres', { databaseUrl: database.url, env })
      if (backend === 'redis') {
        const redis = new Redis(SHARED_REDIS_URL)
        await waitFor('the first rebuild', async () => (await redis.exists(`${key}:marker`)) === 1, 5_000)
        redis.disconnect()
      }
      for (const userId of ['leader', ...TIED]) {
        const res = await svc.call('POST', `/users/${userId}/progress`, { score_bonus: userId === 'leader' ? 90 : 40 })
        expect(res.status).toBe(200)
      }
    })
    afterAll(async () => {
      await svc.close()
      await database.drop()
      if (backend === 'redis') await deleteBoardKeys(SHARED_REDIS_URL, key)
    })

    test('the database really orders these ids otherwise than byte by byte', async () => {
      const sql = postgres(database.url, { max: 1, onnotice: () => {} })
      try {
        const rows = await sql<{ id: string }[]>`select unnest(${TIED}::text[]) as id order by 1`
        expect(rows.map((row) => row.id)).not.toEqual(byteOrder(TIED))
      } finally {
        await sql.end()
      }
    })

    test('equal scores list in ascending user_id compared byte by byte, sharing one rank', async () => {
      const res = await svc.call('GET', '/leaderboard?limit=100')
      expect(res.status).toBe(200)
      expect(res.body.entries.map((entry: { user_id: string }) => entry.user_id)).toEqual([
        'leader',
        ...byteOrder(TIED),
      ])
      expect(res.body.entries.map((entry: { rank: number }) => entry.rank)).toEqual([1, ...TIED.map(() => 2)])
    })

    test('around_user finds the player at its byte-order place among its ties', async () => {
      const sorted = ['leader', ...byteOrder(TIED)]
      for (const userId of ['a', 'B', 'a_b']) {
        const res = await svc.call('GET', `/leaderboard?around_user=${encodeURIComponent(userId)}&limit=3`)
        expect(res.status).toBe(200)
        const position = sorted.indexOf(userId)
        expect(res.body.offset).toBe(position - 1)
        expect(res.body.entries.map((entry: { user_id: string }) => entry.user_id)).toEqual(
          sorted.slice(position - 1, position + 2),
        )
      }
    })
  })
}
