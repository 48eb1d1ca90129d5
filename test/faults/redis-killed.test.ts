import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createTestDatabase, type TestDatabase } from '../support/postgres'
import { DIALECTS } from '../support/service'
import { ProgressLoad, tally } from './support/load'
import { RedisServer } from '../support/redis-server'
import { expectBoardMatchesDatabase } from './support/drill'
import { POST_BODY, acknowledgedButMissing, createAchievements, inconsistencies, readDatabase, serviceEnv } from './support/scenario'
import { ServiceProcess, showingLogsOnFailure } from './support/service-process'

describe.skipIf(!DIALECTS.includes('postgres'))('drill: Redis killed during load', () => {
  let database: TestDatabase
  let redis: RedisServer
  let service: ServiceProcess
  const boardKey = 'drill:lb'

  beforeAll(async () => {
    database = await createTestDatabase('ach_drill_redis')
    redis = await RedisServer.start()
    service = await ServiceProcess.start(serviceEnv({ databaseUrl: database.url, redisUrl: redis.url, boardKey }))
    await createAchievements(service.url)
  })
  afterAll(async () => {
    await service?.destroy()
    await redis?.kill()
    await database?.drop()
  })

  test('every post answers 200 while Redis is down, and after Redis returns the leaderboard equals the database', async () => {
    const load = new ProgressLoad({ targets: () => [service.url], prefix: 'rk', players: 400, concurrency: 16, body: POST_BODY }).start()
    await Bun.sleep(1_000)
    await redis.kill()
    await Bun.sleep(1_000)
    await redis.restart() // back, empty
    await Bun.sleep(1_000)
    const records = await load.stop()

    const counts = tally(records)
    await showingLogsOnFailure(
      () => [service],
      async () => {
        expect(counts).toEqual({ '200': records.length })
        expect(records.length).toBeGreaterThan(100)

        const state = await readDatabase(database.url)
        expect(acknowledgedButMissing(records, state)).toEqual([])
        expect(inconsistencies(state)).toEqual([])

        await expectBoardMatchesDatabase(redis, boardKey, database.url)
        console.log(`redis drill: ${records.length} posts, ${JSON.stringify(counts)}`)
      },
    )
  }, 60_000)
})
