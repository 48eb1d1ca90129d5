import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { StorageUnavailableError, isStorageUnavailable } from '../../src/storage/errors'
import { createPostgresStorage } from '../../src/storage/postgres'
import { guardStorage, isConnectionFailure, type StorageFailureKind } from '../../src/ops/storage-guard'
import type { Storage } from '../../src/storage/port'
import { createTestDatabase, type TestDatabase } from '../support/postgres'
import { DIALECTS } from '../support/service'

const GUARD = { callTimeoutMs: 300, slowCallTimeoutMs: 300, cooldownMs: 400 }

/** A TCP server that accepts connections and never answers: a Postgres that hangs (paused, overloaded, half-open). */
function blackHole() {
  return Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {}, open() {} } })
}

async function failureOf(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await promise
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  throw new Error('expected the call to fail')
}

describe.skipIf(!DIALECTS.includes('postgres'))('storage guard (postgres)', () => {
  let database: TestDatabase
  let storage: Storage
  beforeAll(async () => {
    database = await createTestDatabase('ach_guard')
    storage = await createPostgresStorage(database.url)
  })
  afterAll(async () => {
    await storage.close()
    await database.drop()
  })

  test('a database that never answers: the first call fails at its deadline, later calls fail at once, all as unavailable (503)', async () => {
    const hole = blackHole()
    const hung = await createPostgresStorage(`postgres://postgres@127.0.0.1:${hole.port}/x`, { migrate: false, connectTimeoutSec: 30 })
    const failures: StorageFailureKind[] = []
    const guarded = guardStorage(hung, GUARD, { failure: (kind) => failures.push(kind) })
    try {
      const first = await failureOf(guarded.progress.userScore('p1'))
      expect(first.error).toBeInstanceOf(StorageUnavailableError)
      expect(first.ms).toBeGreaterThanOrEqual(GUARD.callTimeoutMs - 5)
      expect(first.ms).toBeLessThan(GUARD.callTimeoutMs + 500)
      expect(guarded.circuit.state).toBe('open')

      const next = await failureOf(guarded.catalog.getByCode('x'))
      expect(next.error).toBeInstanceOf(StorageUnavailableError)
      expect(isStorageUnavailable(next.error)).toBe(true)
      expect(next.ms).toBeLessThan(50)
      expect(failures).toEqual(['timeout', 'rejected'])

      // After the cooldown one probe goes through (and times out again); the calls beside it still fail at once.
      await Bun.sleep(GUARD.cooldownMs + 20)
      const probe = failureOf(guarded.scores.count())
      const beside = await failureOf(guarded.scores.count())
      expect(beside.ms).toBeLessThan(50)
      expect((await probe).ms).toBeGreaterThanOrEqual(GUARD.callTimeoutMs - 5)
      expect(guarded.circuit.trips).toBe(1)
    } finally {
      void hung.close().catch(() => {})
      hole.stop(true)
    }
  })

  test('a refused connection trips the circuit at once; a working database passes calls through and closes it', async () => {
    const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    const port = probe.port
    probe.stop(true)
    const refused = await createPostgresStorage(`postgres://postgres@127.0.0.1:${port}/x`, { migrate: false })
    const guarded = guardStorage(refused, GUARD)
    try {
      const { error, ms } = await failureOf(guarded.progress.userScore('p1'))
      expect(isConnectionFailure(error)).toBe(true)
      expect(isStorageUnavailable(error)).toBe(true)
      expect(ms).toBeLessThan(GUARD.callTimeoutMs)
      expect(guarded.circuit.state).toBe('open')
    } finally {
      await refused.close().catch(() => {})
    }

    const healthy = guardStorage(storage, GUARD)
    expect(await healthy.progress.userScore('nobody')).toBeNull()
    await healthy.ping()
    expect(healthy.circuit.state).toBe('closed')
  })

  test('a statement error (the database answered) passes through unchanged and leaves the circuit closed', async () => {
    const guarded = guardStorage(storage, GUARD)
    // 'not-a-uuid' is rejected by Postgres itself (invalid input syntax for type uuid).
    const { error } = await failureOf(
      guarded.progress.applyBatch([
        {
          userId: 'p',
          updates: [
            {
              achievementId: 'not-a-uuid',
              code: 'x',
              title: 'x',
              points: 1,
              progressTarget: 1,
              progressDelta: 1,
              progressAtLeast: null,
              forceComplete: false,
              candidateUnlockId: crypto.randomUUID(),
            },
          ],
          scoreBonus: 0,
          notify: true,
          metadata: null,
          step: 500,
          idempotency: null,
        },
      ]).then((outcomes) => {
        if (!outcomes[0]!.ok) throw outcomes[0]!.error
      }),
    )
    expect(isConnectionFailure(error)).toBe(false)
    expect(guarded.circuit.state).toBe('closed')
  })
})
