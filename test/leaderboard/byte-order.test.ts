import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import { migrationsFolder } from '../../src/storage/migrations'
import { createTestDatabase, type TestDatabase } from '../support/postgres'
import {
  deleteBoardKeys,
  SHARED_REDIS_URL,
  startLeaderboardService,
  uniqueBoardKey,
  type LeaderboardTestService,
  waitForFirstRebuild,
} from './support'
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
        await waitForFirstRebuild(redis, key)
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

describe('migration 0004 on an en-US database that already holds players', () => {
  let database: TestDatabase
  let sql: postgres.Sql
  let earlier: string

  beforeAll(async () => {
    database = await createTestDatabase('ach_icu_upgrade', { icuLocale: 'en-US' })
    sql = postgres(database.url, { max: 1, onnotice: () => {} })
    // The migrations before 0004, as a database deployed earlier has them.
    earlier = mkdtempSync(join(tmpdir(), 'migrations-'))
    const folder = migrationsFolder('postgres')
    const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
      entries: { tag: string }[]
    }
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((entry) => entry.tag.startsWith('0004')),
    )
    mkdirSync(join(earlier, 'meta'))
    writeFileSync(join(earlier, 'meta', '_journal.json'), JSON.stringify(journal))
    for (const { tag } of journal.entries) copyFileSync(join(folder, `${tag}.sql`), join(earlier, `${tag}.sql`))
    await migrate(drizzle(sql), { migrationsFolder: earlier })
    for (const [index, userId] of ['leader', ...TIED].entries()) {
      await sql`insert into user_scores (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
                values (${userId}, ${index === 0 ? 90 : 40}, 0, 0, now(), now())`
      await sql`insert into user_achievements (user_id, achievement_id, progress_current, is_completed, created_at, updated_at)
                values (${userId}, '00000000-0000-4000-8000-000000000001', ${index}, false, now(), now())`
    }
  })
  afterAll(async () => {
    await sql.end()
    await database.drop()
    rmSync(earlier, { recursive: true, force: true })
  })

  test('keeps every row, and the database mode then lists ties byte by byte', async () => {
    const before = await sql<
      { user_id: string }[]
    >`select user_id from user_scores where total_points = 40 order by user_id`
    expect(before.map((row) => row.user_id)).not.toEqual(byteOrder(TIED))

    const svc = await startLeaderboardService('postgres', { databaseUrl: database.url })
    try {
      const collations = await sql<{ table_name: string; collation_name: string | null }[]>`
        select table_name, collation_name from information_schema.columns where column_name = 'user_id' order by table_name`
      expect([...collations]).toEqual(
        ['notification_outbox', 'star_token_ledger', 'user_achievements', 'user_scores'].map((table_name) => ({
          table_name,
          collation_name: 'C',
        })),
      )
      const progress = await sql<{ user_id: string; progress_current: number }[]>`
        select user_id, progress_current from user_achievements order by progress_current`
      expect([...progress]).toEqual(['leader', ...TIED].map((user_id, index) => ({ user_id, progress_current: index })))
      const res = await svc.call('GET', '/leaderboard?limit=100')
      expect(res.status).toBe(200)
      expect(res.body.entries.map((entry: { user_id: string }) => entry.user_id)).toEqual([
        'leader',
        ...byteOrder(TIED),
      ])
    } finally {
      await svc.close()
    }
  })
})
