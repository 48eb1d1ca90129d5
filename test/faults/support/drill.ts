import { afterAll, beforeAll, expect } from 'bun:test'
import { createTestDatabase, type TestDatabase } from '../../support/postgres'
import { RedisServer } from '../../support/redis-server'
import { NotificationStub } from './notification-stub'
import { waitFor } from '../../support/wait'
import { leaderboardDifferences, serviceEnv } from './scenario'
import { ServiceProcess } from './service-process'

/** What one drill runs against: its own database, Redis and notification stub, and the services it started. */
export class Drill {
  readonly boardKey = 'drill:lb'
  readonly services: ServiceProcess[] = []
  database!: TestDatabase
  redis!: RedisServer
  stub!: NotificationStub

  get env(): Record<string, string> {
    return serviceEnv({ databaseUrl: this.database.url, redisUrl: this.redis.url, boardKey: this.boardKey, notificationUrl: this.stub.url })
  }

  /** Starts one more instance of the service (destroyed after the drill). */
  async startService(): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(this.env)
    this.services.push(service)
    return service
  }
}

/**
 * Registers the drill's beforeAll/afterAll: a fresh database named after `databasePrefix`, a Redis of its own
 * and a notification stub answering after `answerDelayMs()`; afterwards every service started is destroyed and
 * the rest removed.
 */
export function useDrill(databasePrefix: string, answerDelayMs: () => number): Drill {
  const drill = new Drill()
  beforeAll(async () => {
    drill.database = await createTestDatabase(databasePrefix)
    drill.redis = await RedisServer.start()
    drill.stub = new NotificationStub(answerDelayMs)
  })
  afterAll(async () => {
    for (const service of drill.services) await service.destroy()
    await drill.stub?.stop()
    await drill.redis?.kill()
    await drill.database?.drop()
  })
  return drill
}

/** The Redis board ends up equal to the database's scores (waits up to 10 s for it to converge). */
export async function expectBoardMatchesDatabase(redis: RedisServer, boardKey: string, databaseUrl: string): Promise<void> {
  const client = redis.client()
  try {
    let differences: string[] = []
    await waitFor(
      'the Redis board to equal the database',
      async () => (differences = await leaderboardDifferences(client, boardKey, databaseUrl)).length === 0,
      10_000,
      100,
    ).catch(() => {})
    expect(differences).toEqual([])
  } finally {
    client.disconnect()
  }
}
