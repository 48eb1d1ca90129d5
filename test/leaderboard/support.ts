import { Database } from 'bun:sqlite'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'
import postgres from 'postgres'
import { freePort } from '../support/ports'
import { waitFor } from '../support/wait'
import { startTestService, type Dialect, type TestService, type TestServiceOptions } from '../support/service'

import { SHARED_REDIS_URL } from '../support/redis'

export { SHARED_REDIS_URL }

export const randomSuffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`

/** A leaderboard key of its own for one test file (the shared Redis is used by others: never flush it). */
export const uniqueBoardKey = () => `test:lb:${randomSuffix()}`

/** Waits until the service's first rebuild has marked the board `key` complete (its marker key exists). */
export async function waitForFirstRebuild(redis: Redis, key: string): Promise<void> {
  await waitFor('the first rebuild', async () => (await redis.exists(`${key}:marker`)) === 1, 5_000)
}

/** Deletes every key starting with the board key (board, marker, rebuild lock, temporary keys). */
export async function deleteBoardKeys(redisUrl: string, key: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const found = await redis.keys(`${key}*`)
    if (found.length > 0) await redis.del(...found)
  } finally {
    redis.disconnect()
  }
}

export interface LeaderboardTestService extends TestService {
  /** Writes user_scores rows directly, as the progress feature would commit them. */
  seed: ScoreSeeder
}

/**
 * The service on a database that the test can also write to: Postgres gets its fresh database; SQLite a temp
 * file (the default `sqlite::memory:` cannot be shared with a second connection).
 */
export async function startLeaderboardService(dialect: Dialect, opts: TestServiceOptions = {}): Promise<LeaderboardTestService> {
  const sqlitePath = dialect === 'sqlite' ? join(tmpdir(), `lb-${randomSuffix()}.db`) : null
  const svc = await startTestService(dialect, { ...opts, databaseUrl: sqlitePath ? `sqlite:${sqlitePath}` : opts.databaseUrl })
  const seed = new ScoreSeeder(dialect, sqlitePath ?? svc.databaseUrl)
  return {
    ...svc,
    seed,
    async close() {
      await seed.close()
      await svc.close()
      if (sqlitePath) for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true })
    },
  }
}

export interface SeedRow {
  userId: string
  total: number
  starTokens?: number
}

export class ScoreSeeder {
  private readonly pg: postgres.Sql | null
  private readonly sqlite: Database | null

  constructor(dialect: Dialect, target: string) {
    this.pg = dialect === 'postgres' ? postgres(target, { max: 2, onnotice: () => {} }) : null
    this.sqlite = dialect === 'sqlite' ? new Database(target) : null
    this.sqlite?.exec('PRAGMA busy_timeout = 5000')
  }

  /** Upserts each player's absolute total (and star tokens). */
  async set(rows: SeedRow[]): Promise<void> {
    const now = new Date()
    if (this.pg) {
      for (let i = 0; i < rows.length; i += 1000) {
        const values = rows.slice(i, i + 1000).map((row) => ({
          user_id: row.userId,
          total_points: row.total,
          achievements_unlocked: 0,
          star_tokens: row.starTokens ?? 0,
          created_at: now,
          updated_at: now,
        }))
        await this.pg`
          insert into user_scores ${this.pg(values)}
          on conflict (user_id) do update set total_points = excluded.total_points,
            star_tokens = excluded.star_tokens, updated_at = excluded.updated_at`
      }
      return
    }
    const insert = this.sqlite!.prepare(
      `insert into user_scores (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
       values (?1, ?2, 0, ?3, ?4, ?4)
       on conflict (user_id) do update set total_points = excluded.total_points,
         star_tokens = excluded.star_tokens, updated_at = excluded.updated_at`,
    )
    this.sqlite!.transaction(() => {
      for (const row of rows) insert.run(row.userId, row.total, row.starTokens ?? 0, now.getTime())
    })()
  }

  async close(): Promise<void> {
    await this.pg?.end()
    this.sqlite?.close()
  }
}

/** The redis-server of the test's own (test/support/redis-server.ts), under the name the leaderboard tests use. */
export { RedisServer as OwnRedis } from '../support/redis-server'

export interface UserStub {
  url: string
  /** Requests received, by path. */
  requests: string[]
  stop(): void
}

/** A real HTTP user service: known users answer after `delayMs`; others get 404. */
export function startUserStub(users: Record<string, Record<string, unknown>>, delayMs = 0): UserStub {
  const requests: string[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const path = new URL(request.url).pathname
      requests.push(path)
      if (delayMs > 0) await Bun.sleep(delayMs)
      const match = /^\/api\/v1\/users\/users\/([^/]+)$/.exec(path)
      const user = match ? users[decodeURIComponent(match[1]!)] : undefined
      return user ? Response.json(user) : Response.json({ detail: 'Not found' }, { status: 404 })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) }
}

/** A port with nothing listening: connections are refused. */
export function refusedUrl(): string {
  return `http://127.0.0.1:${freePort()}`
}
