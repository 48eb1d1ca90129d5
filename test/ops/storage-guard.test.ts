import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { StorageUnavailableError, isStorageUnavailable } from '../../src/storage/errors'
import { createPostgresStorage } from '../../src/storage/postgres'
import {
  guardStorage,
  isConnectionFailure,
  type GuardedStorage,
  type StorageFailureKind,
} from '../../src/ops/storage-guard'
import type { ProgressCommand, Storage } from '../../src/storage/port'
import { createTestDatabase, holdScoreRowLock, type TestDatabase } from '../support/postgres'
import { DIALECTS } from '../support/service'

const GUARD = { callTimeoutMs: 300, slowCallTimeoutMs: 300, cooldownMs: 400 }
/** Calls may go on past their deadline, up to 3 s, while the database answers pings. */
const PATIENT_GUARD = { callTimeoutMs: 300, slowCallTimeoutMs: 3_000, cooldownMs: 400 }

const scoreBonus = (userId: string, bonus: number): ProgressCommand => ({
  userId,
  updates: [],
  scoreBonus: bonus,
  notify: false,
  metadata: null,
  step: 500,
  idempotency: null,
})

/** A TCP server that accepts connections and never answers: a Postgres that hangs (paused, overloaded, half-open). */
function blackHole() {
  return Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {}, open() {} } })
}

/** A storage whose database never answers (a black hole); `release` closes both. */
async function hungStorage(): Promise<{ hung: Storage; release: () => void }> {
  const hole = blackHole()
  const hung = await createPostgresStorage(`postgres://postgres@127.0.0.1:${hole.port}/x`, {
    migrate: false,
    connectTimeoutSec: 30,
  })
  return {
    hung,
    release() {
      void hung.close().catch(() => {})
      hole.stop(true)
    },
  }
}

/** `call` fails as unavailable at its deadline (before `deadlineMs + slackMs`) and leaves the circuit open. */
async function expectFailureAtDeadline(
  guarded: GuardedStorage,
  call: Promise<unknown>,
  deadlineMs: number,
  slackMs: number,
) {
  const { error, ms } = await failureOf(call)
  expect(error).toBeInstanceOf(StorageUnavailableError)
  expect(ms).toBeGreaterThanOrEqual(deadlineMs - 5)
  expect(ms).toBeLessThan(deadlineMs + slackMs)
  expect(guarded.circuit.state).toBe('open')
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
    const { hung, release } = await hungStorage()
    const failures: StorageFailureKind[] = []
    const guarded = guardStorage(hung, GUARD, { failure: (kind) => failures.push(kind) })
    try {
      await expectFailureAtDeadline(guarded, guarded.progress.userScore('p1'), GUARD.callTimeoutMs, 500)

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
      release()
    }
  })

  test('a database that never answers fails a call at its deadline even when calls may go on past it (the ping gets no answer either)', async () => {
    const { hung, release } = await hungStorage()
    const slow: string[] = []
    const guarded = guardStorage(hung, PATIENT_GUARD, { failure() {}, slow: (operation) => slow.push(operation) })
    try {
      await expectFailureAtDeadline(guarded, guarded.progress.userScore('p1'), PATIENT_GUARD.callTimeoutMs, 200)
      expect(slow).toEqual([])
    } finally {
      release()
    }
  })

  test('a write that passes its deadline while the database answers pings (waiting for a row lock) goes on and commits; the circuit stays closed', async () => {
    const failures: StorageFailureKind[] = []
    const slow: string[] = []
    const guarded = guardStorage(storage, PATIENT_GUARD, {
      failure: (kind) => failures.push(kind),
      slow: (operation) => slow.push(operation),
    })
    expect((await guarded.progress.applyBatch([scoreBonus('patient-1', 10)]))[0]!.ok).toBe(true)

    const lock = await holdScoreRowLock(database.url, 'patient-1', 900)
    const started = performance.now()
    const [outcome] = await guarded.progress.applyBatch([scoreBonus('patient-1', 5)])
    const ms = performance.now() - started
    await lock.released

    expect(ms).toBeGreaterThan(PATIENT_GUARD.callTimeoutMs + 300)
    expect(outcome!.ok && outcome!.result.user.totalPoints).toBe(15)
    expect(slow).toEqual(['progress.applyBatch'])
    expect(failures).toEqual([])
    expect(guarded.circuit.state).toBe('closed')
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
      guarded.progress
        .applyBatch([
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
        ])
        .then((outcomes) => {
          if (!outcomes[0]!.ok) throw outcomes[0]!.error
        }),
    )
    expect(isConnectionFailure(error)).toBe(false)
    expect(guarded.circuit.state).toBe('closed')
  })
})
