import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { RedisServer } from '../support/redis-server'
import { DIALECTS } from '../support/service'
import { ProgressLoad, tally, type PostRecord } from './support/load'
import { PostgresServer } from './support/postgres-server'
import { waitFor } from '../support/wait'
import { POST_BODY, acknowledgedButMissing, createAchievements, inconsistencies, readDatabase, serviceEnv } from './support/scenario'
import { ServiceProcess, showingLogsOnFailure } from './support/service-process'
import { expectBoardMatchesDatabase } from './support/drill'

/** The contract's bound for a 503 while the database is away (plus slack for a loaded 2-core CI machine). */
const FAIL_FAST_BOUND_MS = 1_500

const within = (records: PostRecord[], from: number, to: number) => records.filter((r) => r.sentAt >= from && r.sentAt < to)

describe.skipIf(!DIALECTS.includes('postgres'))('drill: Postgres paused and stopped during load', () => {
  let postgres: PostgresServer
  let databaseUrl: string
  let redis: RedisServer
  let service: ServiceProcess

  beforeAll(async () => {
    postgres = await PostgresServer.create()
    databaseUrl = await postgres.createDatabase('achievements')
    redis = await RedisServer.start()
    service = await ServiceProcess.start(serviceEnv({ databaseUrl, redisUrl: redis.url, boardKey: 'drill:lb' }))
    await createAchievements(service.url)
  }, 60_000)
  afterAll(async () => {
    await service?.destroy()
    await redis?.kill()
    await postgres?.destroy()
  })

  test('posts get 503 with Retry-After within a second while Postgres hangs or is down, then succeed again without a restart; no acknowledged post is lost', async () => {
    await showingLogsOnFailure(
      () => [service],
      async () => {
        const load = new ProgressLoad({ targets: () => [service.url], prefix: 'pg', players: 300, concurrency: 16, body: POST_BODY }).start()
        await Bun.sleep(700)

        // 1. Postgres hangs: every process frozen, connections open, nothing answers.
        const pausedAt = Date.now()
        postgres.pause()
        await Bun.sleep(1_500)
        postgres.resume()
        const resumedAt = Date.now()
        await waitFor('posts to succeed after the pause', () => within(load.records, resumedAt, Infinity).some((r) => r.status === 200), 10_000)
        await Bun.sleep(500)

        // 2. Postgres stops (clients disconnected, connections refused), then comes back.
        const stoppedAt = Date.now()
        await postgres.stop('fast')
        await Bun.sleep(500)
        const readyWhileDown = await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(2_000) })
        await Bun.sleep(700)
        await postgres.start()
        const restartedAt = Date.now()
        await waitFor('posts to succeed after the restart', () => within(load.records, restartedAt, Infinity).some((r) => r.status === 200), 10_000)
        await Bun.sleep(700)
        const records = await load.stop()
        const counts = tally(records)
        const firstSuccess = (from: number) => Math.min(...within(records, from, Infinity).filter((r) => r.status === 200).map((r) => r.sentAt + r.ms)) - from
        console.log(`recovered ${Math.round(firstSuccess(resumedAt))} ms after the resume, ${Math.round(firstSuccess(restartedAt))} ms after the restart`)

        // Only two answers ever: 200, or 503 with Retry-After; never a hang, a reset or another status.
        const other = records.filter((r) => r.status !== 200 && !(r.status === 503 && r.retryAfter !== null && r.code === 'service_unavailable'))
        expect(other.map((r) => `${r.status ?? r.code} after ${Math.round(r.ms)} ms`)).toEqual([])

        const unavailable = records.filter((r) => r.status === 503)
        expect(within(unavailable, pausedAt, resumedAt).length).toBeGreaterThan(0)
        expect(within(unavailable, stoppedAt, restartedAt).length).toBeGreaterThan(0)
        const slowest = Math.max(...unavailable.map((r) => r.ms))
        expect(slowest).toBeLessThan(FAIL_FAST_BOUND_MS)

        expect(readyWhileDown.status).toBe(503)
        expect(readyWhileDown.headers.get('retry-after')).toBe('1')

        // The same process serves again.
        expect(service.pid).toBeGreaterThan(0)
        expect(within(records, restartedAt + 200, Infinity).filter((r) => r.status === 200).length).toBeGreaterThan(0)
        expect((await fetch(`${service.url}/ready`)).status).toBe(200)

        const state = await readDatabase(databaseUrl)
        expect(acknowledgedButMissing(records, state)).toEqual([])
        expect(inconsistencies(state)).toEqual([])
        // Posts abandoned at their deadline while Postgres hung may have committed once it resumed: the board
        // catches up with them (nothing else would write their scores to Redis).
        await expectBoardMatchesDatabase(redis, 'drill:lb', databaseUrl)
        const sorted = unavailable.map((r) => r.ms).sort((a, b) => a - b)
        console.log(
          `postgres drill: ${JSON.stringify(counts)}; 503 latency p50 ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms, max ${Math.round(slowest)} ms`,
        )
      },
    )
  }, 90_000)
})
