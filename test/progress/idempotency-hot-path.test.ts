import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { createStorage } from '../../src/storage'
import { connectPostgres } from '../../src/storage/postgres/connection'
import { APPLY_ROUND_SQL } from '../../src/storage/postgres/progress'
import type { Storage } from '../../src/storage/port'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { createTestDatabase, type TestDatabase } from '../support/postgres'

const ACHIEVEMENT = { code: 'win', title: 'Win', description: '', points: 300, progress_target: 2 }

/** The real storage, whose stored responses wait until `open()` is called. */
function withHeldResponses(storage: Storage) {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  const stored: string[] = []
  const complete = storage.idempotency.complete.bind(storage.idempotency)
  storage.idempotency.complete = async (caller, key, status, body) => {
    await gate
    await complete(caller, key, status, body)
    stored.push(key)
  }
  return { open, stored }
}

/** The real storage, whose idempotency claims wait until `open()` is called. */
function withHeldClaims(storage: Storage) {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  const claim = storage.idempotency.claim.bind(storage.idempotency)
  storage.idempotency.claim = async (...args) => {
    await gate
    return claim(...args)
  }
  return { open }
}

for (const dialect of DIALECTS) {
  describe(`a keyed post waits for its claim in the batch queue (${dialect})`, () => {
    let database: TestDatabase | null = null
    let storage: Storage
    let svc: TestService
    let held: ReturnType<typeof withHeldClaims>

    beforeAll(async () => {
      database = dialect === 'postgres' ? await createTestDatabase() : null
      storage = await createStorage(database ? { kind: 'postgres', url: database.url } : { kind: 'sqlite', path: ':memory:' })
      held = withHeldClaims(storage)
      svc = await startTestService(dialect, { databaseUrl: database?.url ?? 'sqlite::memory:', options: { storage } })
    })
    afterAll(async () => {
      held.open()
      await svc.service.stop()
      await storage.close()
      await database?.drop()
    })

    test("the player's next post, sent while the claim runs, applies after it", async () => {
      const keyed = svc.call('POST', '/users/queued-1/progress', { score_bonus: 10 }, { 'idempotency-key': 'queued-key' })
      await Bun.sleep(30)
      const next = svc.call('POST', '/users/queued-1/progress', { score_bonus: 5 })
      await Bun.sleep(30)
      held.open()
      const [first, second] = await Promise.all([keyed, next])
      expect(first.status).toBe(200)
      expect(first.body.user.total_points).toBe(10)
      expect(second.status).toBe(200)
      expect(second.body.user.total_points).toBe(15)
    })
  })

  describe(`a keyed post's response is stored off the request path (${dialect})`, () => {
    let database: TestDatabase | null = null
    let storage: Storage
    let svc: TestService
    let held: ReturnType<typeof withHeldResponses>
    let stopped = false

    beforeAll(async () => {
      database = dialect === 'postgres' ? await createTestDatabase() : null
      storage = await createStorage(database ? { kind: 'postgres', url: database.url } : { kind: 'sqlite', path: ':memory:' })
      held = withHeldResponses(storage)
      svc = await startTestService(dialect, { databaseUrl: database?.url ?? 'sqlite::memory:', options: { storage } })
      await svc.call('POST', '/achievements', ACHIEVEMENT)
    })
    afterAll(async () => {
      held.open()
      if (!stopped) await svc.service.stop()
      await storage.close()
      await database?.drop()
    })

    test('the post is answered before its response is stored; a replay meanwhile is the same body; stop waits for the store', async () => {
      const body = { achievement_code: 'win', progress_delta: 2, score_bonus: 40 }
      const first = await svc.call('POST', '/users/held-1/progress', body, { 'idempotency-key': 'held-key' })
      expect(first.status).toBe(200)
      expect(held.stored).toEqual([])

      const replay = await svc.call('POST', '/users/held-1/progress', body, { 'idempotency-key': 'held-key' })
      expect(replay.status).toBe(200)
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.body).toEqual(first.body)

      const stopping = svc.service.stop().then(() => (stopped = true))
      await Bun.sleep(50)
      expect(stopped).toBe(false)
      held.open()
      await stopping
      expect(held.stored).toEqual(['held-key'])
    })
  })
}

describe('idempotency bookkeeping on Postgres', () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    await database.drop()
  })

  test('a pool asked for it commits without waiting for the WAL flush; the default waits', async () => {
    const asynchronous = connectPostgres(database.url, { max: 1, synchronousCommit: 'off' }).sql
    const durable = connectPostgres(database.url, { max: 1 }).sql
    try {
      expect((await asynchronous`show synchronous_commit`)[0]!.synchronous_commit).toBe('off')
      expect((await durable`show synchronous_commit`)[0]!.synchronous_commit).toBe('on')
    } finally {
      await Promise.all([asynchronous.end(), durable.end()])
    }
  })

  test('claims and stored responses go through the idempotency pool, the work through the durable progress pool', async () => {
    const svc = await startTestService('postgres', { databaseUrl: database.url })
    const observer = postgres(database.url, { max: 1, onnotice: () => {} })
    try {
      await svc.call('POST', '/achievements', ACHIEVEMENT)
      const res = await svc.call('POST', '/users/pool-1/progress', { achievement_code: 'win' }, { 'idempotency-key': 'pool-key' })
      expect(res.status).toBe(200)
      await svc.service.deps.progress.drain()
      const sessions = await observer<{ application_name: string; query: string }[]>`
        select application_name, query from pg_stat_activity
        where datname = current_database() and application_name like 'achievement-service-%'`
      const byPool = (suffix: string) => sessions.filter((s) => s.application_name.endsWith(suffix)).map((s) => s.query)
      expect(byPool('-idempotency').some((query) => /idempotency_keys/.test(query))).toBe(true)
      // pg_stat_activity keeps the start of a long statement.
      expect(byPool('-progress').some((query) => query.startsWith(APPLY_ROUND_SQL.slice(0, 200)))).toBe(true)
    } finally {
      await observer.end()
      await svc.close()
    }
  })
})
