import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import type { ServiceOptions } from '../../src/composition'
import { createLogger } from '../../src/ops/logger'
import { createStorage } from '../../src/storage'
import { connectPostgres } from '../../src/storage/postgres/connection'
import { APPLY_ROUND_SQL } from '../../src/storage/postgres/progress'
import { IdempotencyKeyTaken } from '../../src/storage/errors'
import type { AchievementRecord, ProgressCommand, Storage } from '../../src/storage/port'
import { DIALECTS, startTestService, type Dialect, type TestService } from '../support/service'
import { createTestDatabase, type TestDatabase } from '../support/postgres'

const ACHIEVEMENT = { code: 'win', title: 'Win', description: '', points: 300, progress_target: 2 }

/** The real storage, whose stored responses wait until `open()` is called. */
function withHeldResponses(storage: Storage) {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  const stored: string[] = []
  const complete = storage.idempotency.complete.bind(storage.idempotency)
  storage.idempotency.complete = async (responses) => {
    await gate
    await complete(responses)
    stored.push(...responses.map((response) => response.key))
  }
  return { open, stored }
}

/**
 * A service on a storage the test opened itself (and may wrap with `prepare` before the service starts), with the
 * ACHIEVEMENT definition created.
 */
async function serviceOnOwnStorage(dialect: Dialect, prepare: (storage: Storage) => void, options: ServiceOptions = {}) {
  const database = dialect === 'postgres' ? await createTestDatabase() : null
  const storage = await createStorage(database ? { kind: 'postgres', url: database.url } : { kind: 'sqlite', path: ':memory:' })
  prepare(storage)
  const svc = await startTestService(dialect, { databaseUrl: database?.url ?? 'sqlite::memory:', options: { ...options, storage } })
  await svc.call('POST', '/achievements', ACHIEVEMENT)
  return { database, storage, svc }
}

/** The real storage, recording how many responses each call stores; while `failing` is set, a call fails instead. */
function recordingStores(storage: Storage) {
  const record = { sizes: [] as number[], failing: false }
  const complete = storage.idempotency.complete.bind(storage.idempotency)
  storage.idempotency.complete = async (responses) => {
    if (record.failing) throw new Error('the database refused the stored responses')
    record.sizes.push(responses.length)
    await complete(responses)
  }
  return record
}

/** The real storage, counting the separate claims it is asked for. */
function countingClaims(storage: Storage) {
  const counter = { claims: 0 }
  const claim = storage.idempotency.claim.bind(storage.idempotency)
  storage.idempotency.claim = (...args) => {
    counter.claims += 1
    return claim(...args)
  }
  return counter
}

const keyedCommand = (definition: AchievementRecord, userId: string, key: string | null): ProgressCommand => ({
  userId,
  scoreBonus: 5,
  notify: true,
  metadata: null,
  step: 500,
  idempotency: key === null ? null : { caller: 'batch-test', key, requestHash: `hash-of-${userId}`, claimed: false },
  updates: [
    {
      achievementId: definition.id,
      code: definition.code,
      title: definition.title,
      points: definition.points,
      progressTarget: definition.progressTarget,
      progressDelta: 1,
      progressAtLeast: null,
      forceComplete: false,
      candidateUnlockId: Bun.randomUUIDv7(),
    },
  ],
})

for (const dialect of DIALECTS) {
  describe(`a keyed post is recorded by its own work (${dialect})`, () => {
    let database: TestDatabase | null = null
    let storage: Storage
    let svc: TestService
    let counter: ReturnType<typeof countingClaims>

    beforeAll(async () => {
      ;({ database, storage, svc } = await serviceOnOwnStorage(dialect, (own) => (counter = countingClaims(own))))
    })
    afterAll(async () => {
      await svc.service.stop()
      await storage.close()
      await database?.drop()
    })

    test('a new key needs no claim of its own; its retry is answered from what the work stored', async () => {
      const body = { achievement_code: 'win', score_bonus: 7 }
      const first = await svc.call('POST', '/users/own-1/progress', body, { 'idempotency-key': 'own-key' })
      expect(first.status).toBe(200)
      expect(counter.claims).toBe(0)
      await svc.service.deps.progress.drain()
      const again = await svc.call('POST', '/users/own-1/progress', body, { 'idempotency-key': 'own-key' })
      expect(again.headers.get('idempotent-replayed')).toBe('true')
      expect(again.body).toEqual(first.body)
      expect((await storage.progress.userScore('own-1'))?.totalPoints).toBe(7)
    })

    test('in one batch, a command whose key is already recorded applies nothing and fails alone', async () => {
      const [definition] = await storage.catalog.all()
      const recorded = await storage.progress.applyBatch([keyedCommand(definition!, 'own-a', 'used-key')])
      expect(recorded[0]!.ok).toBe(true)
      const outcomes = await storage.progress.applyBatch([
        keyedCommand(definition!, 'own-b', 'fresh-key-b'),
        keyedCommand(definition!, 'own-a', 'used-key'),
        keyedCommand(definition!, 'own-c', null),
        keyedCommand(definition!, 'own-d', 'used-key'),
      ])
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false])
      for (const outcome of [outcomes[1]!, outcomes[3]!]) expect(!outcome.ok && outcome.error).toBeInstanceOf(IdempotencyKeyTaken)
      expect((await storage.progress.userScore('own-a'))?.totalPoints).toBe(5)
      expect(await storage.progress.userScore('own-d')).toBeNull()
      for (const user of ['own-b', 'own-c']) expect((await storage.progress.userScore(user))?.totalPoints).toBe(5)
    })

    test('of two posts of one key in a batch, the first applies and the later is the duplicate', async () => {
      const [definition] = await storage.catalog.all()
      const outcomes = await storage.progress.applyBatch([
        keyedCommand(definition!, 'own-e', 'twice-key'),
        keyedCommand(definition!, 'own-e', 'twice-key'),
      ])
      expect(outcomes[0]!.ok).toBe(true)
      expect(!outcomes[1]!.ok && outcomes[1]!.error).toBeInstanceOf(IdempotencyKeyTaken)
      expect((await storage.progress.userScore('own-e'))?.totalPoints).toBe(5)
    })
  })

  describe(`a keyed post's response is stored off the request path (${dialect})`, () => {
    let database: TestDatabase | null = null
    let storage: Storage
    let svc: TestService
    let held: ReturnType<typeof withHeldResponses>
    let stopped = false

    beforeAll(async () => {
      ;({ database, storage, svc } = await serviceOnOwnStorage(dialect, (own) => (held = withHeldResponses(own))))
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

for (const dialect of DIALECTS) {
  describe(`keyed posts answered together have their responses stored together (${dialect})`, () => {
    let database: TestDatabase | null = null
    let storage: Storage
    let svc: TestService
    let other: TestService
    let stores: ReturnType<typeof recordingStores>
    const warnings: string[] = []
    const logger = createLogger({ level: 'warn', write: (line) => warnings.push(JSON.parse(line).msg) })

    beforeAll(async () => {
      ;({ database, storage, svc } = await serviceOnOwnStorage(dialect, (own) => (stores = recordingStores(own)), { logger }))
      other = await startTestService(dialect, { databaseUrl: svc.databaseUrl, options: { storage } })
    })
    afterAll(async () => {
      await other.service.stop()
      await svc.service.stop()
      await storage.close()
      await database?.drop()
    })

    test('the responses go to the database in fewer calls than posts; another instance replays each stored body', async () => {
      const bodies = Array.from({ length: 8 }, (_, n) => ({ achievement_code: 'win', score_bonus: 10 + n }))
      const key = (n: number) => ({ 'idempotency-key': `together-${n}` })
      const firsts = await Promise.all(bodies.map((body, n) => svc.call('POST', `/users/together-${n}/progress`, body, key(n))))
      await svc.service.deps.progress.drain()
      expect(stores.sizes.reduce((sum, size) => sum + size, 0)).toBe(bodies.length)
      expect(stores.sizes.length).toBeLessThan(bodies.length)
      for (const [n, body] of bodies.entries()) {
        // A replay rebuilt from the work's outcome has no rank: an equal body with a rank is the stored one.
        expect(firsts[n]!.body.user.leaderboard_rank).toBeGreaterThan(0)
        const replay = await other.call('POST', `/users/together-${n}/progress`, body, key(n))
        expect(replay.headers.get('idempotent-replayed')).toBe('true')
        expect(replay.body).toEqual(firsts[n]!.body)
      }
    })

    test('a store that fails is logged, and a replay is then rebuilt from the outcome the work stored', async () => {
      const body = { achievement_code: 'win', score_bonus: 3 }
      stores.failing = true
      const first = await svc.call('POST', '/users/refused-1/progress', body, { 'idempotency-key': 'refused-key' })
      await svc.service.deps.progress.drain()
      stores.failing = false
      expect(first.status).toBe(200)
      expect(warnings).toContain('could not store idempotent responses')
      const replay = await svc.call('POST', '/users/refused-1/progress', body, { 'idempotency-key': 'refused-key' })
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.body).toEqual({ ...first.body, user: { ...first.body.user, leaderboard_rank: null } })
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

  test('stored responses go through the idempotency pool, the work through the durable progress pool', async () => {
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

describe('one key sent at once to two instances (postgres)', () => {
  let database: TestDatabase
  let instances: TestService[]

  beforeAll(async () => {
    database = await createTestDatabase()
    instances = [await startTestService('postgres', { databaseUrl: database.url })]
    instances.push(await startTestService('postgres', { databaseUrl: database.url }))
    await instances[0]!.call('POST', '/achievements', ACHIEVEMENT)
  })
  afterAll(async () => {
    for (const instance of instances) await instance.service.stop()
    await database.drop()
  })

  test('applies once: one original answer, the others replays of it or 409', async () => {
    const body = { achievement_code: 'win', score_bonus: 100 }
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => instances[n % 2]!.call('POST', '/users/race-1/progress', body, { 'idempotency-key': 'race-key' })),
    )
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true)
    const originals = results.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null)
    expect(originals.length).toBe(1)
    for (const replay of results.filter((r) => r.headers.get('idempotent-replayed') === 'true')) {
      expect(replay.body.score_delta).toBe(originals[0]!.body.score_delta)
    }
    expect((await instances[0]!.call('GET', '/users/race-1/overview')).body.user.total_points).toBe(100)
    expect((await instances[1]!.service.storage.outbox.forUser('race-1')).length).toBe(0)
  })
})
