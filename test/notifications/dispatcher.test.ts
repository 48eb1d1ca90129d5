import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { OutboxDispatcher, type DispatcherOptions } from '../../src/notifications/dispatcher'
import { notificationPayload } from '../../src/notifications/payload'
import { HttpNotificationSender } from '../../src/notifications/sender'
import { silentLogger } from '../../src/ops/logger'
import type { OutboxEntry, OutboxStore } from '../../src/storage/port'
import { DIALECTS } from '../support/service'
import { waitFor } from '../support/wait'
import {
  entryOf,
  openOutboxFixture,
  refusingPort,
  startNotificationStub,
  type NotificationStub,
  type OutboxFixture,
} from './support'

const FAST: Partial<DispatcherOptions> = {
  pollIntervalMs: 20,
  concurrency: 4,
  leaseMs: 2_000,
  maxAttempts: 50,
  backoff: { baseDelayMs: 10, maxDelayMs: 80 },
  stopGraceMs: 300,
}

/** The real store, with every claim and failure recorded (to check backoff against what actually happened). */
class RecordingStore implements OutboxStore {
  claims: { id: string; attempts: number; at: number }[] = []
  failures: { id: string; at: number; retryAt: number | null; error: string }[] = []
  constructor(private readonly inner: OutboxStore) {}
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const entries = await this.inner.claimDue(owner, limit, leaseMs)
    const at = Date.now()
    for (const entry of entries) this.claims.push({ id: entry.id, attempts: entry.attempts, at })
    return entries
  }
  markDelivered(id: string, owner: string) {
    return this.inner.markDelivered(id, owner)
  }
  markFailed(id: string, owner: string, error: string, retryAt: Date | null) {
    this.failures.push({ id, at: Date.now(), retryAt: retryAt?.getTime() ?? null, error })
    return this.inner.markFailed(id, owner, error, retryAt)
  }
  stats() {
    return this.inner.stats()
  }
  forUser(userId: string) {
    return this.inner.forUser(userId)
  }
}

for (const dialect of DIALECTS) {
  describe(`outbox dispatcher (${dialect})`, () => {
    let fx: OutboxFixture
    const cleanups: (() => Promise<void>)[] = []
    const dispatcherFor = (store: OutboxStore, url: string, options: Partial<DispatcherOptions> = {}, timeoutMs = 150) => {
      const dispatcher = new OutboxDispatcher(store, new HttpNotificationSender(url, timeoutMs), silentLogger, {
        ...FAST,
        owner: `test-${crypto.randomUUID().slice(0, 8)}`,
        ...options,
      })
      cleanups.push(() => dispatcher.stop())
      return dispatcher
    }
    const stubFor = (...args: Parameters<typeof startNotificationStub>): NotificationStub => {
      const stub = startNotificationStub(...args)
      cleanups.push(() => stub.stop())
      return stub
    }

    beforeAll(async () => {
      fx = await openOutboxFixture(dialect)
    })
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()!()
    })
    afterAll(async () => {
      await fx.close()
    })

    test('delivers the exact payload with the outbox id as Idempotency-Key and marks it delivered', async () => {
      const stub = stubFor()
      const userId = `exact-${dialect}`
      const [id] = await fx.insert([{ userId, title: 'First Victory', rewardPoints: 120, scoreDelta: 620, starTokensAwarded: 1, code: `first-win-${dialect}` }])
      const dispatcher = dispatcherFor(fx.store, stub.url)
      dispatcher.start()
      await waitFor('delivered', async () => (await entryOf(fx.store, userId, id!))?.status === 'delivered')
      const requests = stub.requests.filter((r) => r.idempotencyKey === id)
      expect(requests.length).toBe(1)
      expect(requests[0]).toMatchObject({ method: 'POST', path: '/', contentType: 'application/json' })
      expect(requests[0]!.body).toEqual({
        user_id: userId,
        title: '🎖 Achievement Unlocked',
        message: 'You unlocked First Victory (+120 XP)!',
        category: 'achievement',
        priority: 'normal',
        metadata: { achievement_code: `first-win-${dialect}`, score_delta: '620', star_tokens: '1' },
      })
      expect(dispatcher.counters.delivered).toBeGreaterThanOrEqual(1)
    })

    test('wake() delivers a new entry without waiting for the next poll', async () => {
      const stub = stubFor()
      const userId = `wake-${dialect}`
      const dispatcher = dispatcherFor(fx.store, stub.url, { pollIntervalMs: 60_000 })
      dispatcher.start()
      await Bun.sleep(50) // the first poll ran and found nothing of this player
      const [id] = await fx.insert([{ userId }])
      dispatcher.wake()
      await waitFor('delivered after wake', async () => (await entryOf(fx.store, userId, id!))?.status === 'delivered', 5_000)
    })

    test('refused, then hanging, then recovering: every entry delivered with its exact payload, attempts counted, backoff respected', async () => {
      const port = await refusingPort()
      const url = `http://127.0.0.1:${port}`
      const userId = `flaky-${dialect}`
      const ids = await fx.insert(Array.from({ length: 6 }, (_, i) => ({ userId, rewardPoints: 10 + i, scoreDelta: 100 + i })))
      const store = new RecordingStore(fx.store)
      // random = 1: every delay is the full exponential ceiling, so the schedule is known.
      const dispatcher = dispatcherFor(store, url, { random: () => 1 }, 100)
      dispatcher.start()

      // Phase 1: connection refused.
      await waitFor('two refused attempts per entry', () => ids.every((id) => store.failures.filter((f) => f.id === id).length >= 2))
      // Phase 2: the service accepts connections and never answers; the timeout ends every attempt.
      const stub = stubFor({ port, mode: 'hang' })
      await waitFor('each entry timed out against the hanging service', () =>
        ids.every((id) => store.failures.some((f) => f.id === id && f.error.includes('no answer'))),
      )
      // Phase 3: the service recovers.
      stub.mode = 'ok'
      await waitFor('all delivered', () => ids.every((id) => stub.keysDelivered().has(id)))
      await waitFor('all recorded delivered', async () => (await fx.store.forUser(userId)).every((e) => e.status === 'delivered'))

      const entries = await fx.store.forUser(userId)
      for (const entry of entries) {
        const delivered = stub.requests.filter((r) => r.idempotencyKey === entry.id)
        expect(delivered.at(-1)!.body).toEqual(JSON.parse(JSON.stringify(notificationPayload(entry))))
        const failures = store.failures.filter((f) => f.id === entry.id)
        expect(failures.some((f) => f.error.startsWith('request failed'))).toBe(true)
        // attempts = failed attempts + the successful one; every attempt is one claim.
        expect(entry.attempts).toBe(failures.length + 1)
        expect(store.claims.filter((c) => c.id === entry.id).length).toBe(entry.attempts)
        // Backoff: the n-th failure schedules min(cap, base * 2^(n-1)) later, and the next claim waits for it.
        const claims = store.claims.filter((c) => c.id === entry.id)
        failures.forEach((failure, i) => {
          const expectedDelay = Math.min(80, 10 * 2 ** i)
          expect(failure.retryAt! - failure.at).toBeGreaterThanOrEqual(expectedDelay - 1)
          expect(failure.retryAt! - failure.at).toBeLessThanOrEqual(expectedDelay + 1)
          expect(claims[i + 1]!.at).toBeGreaterThanOrEqual(failure.retryAt! - 5)
        })
      }
    })

    test('parks an entry after the attempt cap, counts it in stats, and never retries it', async () => {
      const stub = stubFor({ mode: { status: 503 } })
      const userId = `park-${dialect}`
      const before = await fx.store.stats()
      const [id] = await fx.insert([{ userId }])
      const dispatcher = dispatcherFor(fx.store, stub.url, { maxAttempts: 3, backoff: { baseDelayMs: 5, maxDelayMs: 20 } })
      dispatcher.start()
      await waitFor('parked', async () => (await entryOf(fx.store, userId, id!))?.status === 'parked')
      const entry = await entryOf(fx.store, userId, id!)
      expect(entry?.attempts).toBe(3)
      expect(stub.requests.filter((r) => r.idempotencyKey === id).length).toBe(3)
      const stats = await fx.store.stats()
      expect(stats.parked).toBe(before.parked + 1)
      expect(stats.pending).toBe(before.pending)
      // Many polls later: still three requests, still parked.
      await Bun.sleep(200)
      expect(stub.requests.filter((r) => r.idempotencyKey === id).length).toBe(3)
      expect((await entryOf(fx.store, userId, id!))?.status).toBe('parked')
    })

    test('a 4xx rejection parks at once; 429 and 5xx are retried', async () => {
      const userId = `reject-${dialect}`
      const stub = stubFor({ mode: { status: 422 } })
      const [rejected] = await fx.insert([{ userId }])
      const dispatcher = dispatcherFor(fx.store, stub.url)
      dispatcher.start()
      await waitFor('rejected entry parked', async () => (await entryOf(fx.store, userId, rejected!))?.status === 'parked')
      expect((await entryOf(fx.store, userId, rejected!))?.attempts).toBe(1)

      stub.mode = { status: 429, headers: { 'retry-after': '0' } }
      const [limited] = await fx.insert([{ userId }])
      await waitFor('429 retried', () => stub.requests.filter((r) => r.idempotencyKey === limited).length >= 2)
      stub.mode = 'ok'
      await waitFor('429 entry delivered', async () => (await entryOf(fx.store, userId, limited!))?.status === 'delivered')
    })

    test('an entry leased by a crashed dispatcher is delivered by another once the lease ends', async () => {
      const stub = stubFor()
      const userId = `crashed-${dialect}`
      const [id] = await fx.insert([{ userId }])
      const leaseMs = 250
      const claimed = await fx.store.claimDue('crashed-instance', 10, leaseMs)
      const leaseEnds = Date.now() + leaseMs
      expect(claimed.map((e) => e.id)).toContain(id!)
      const dispatcher = dispatcherFor(fx.store, stub.url)
      dispatcher.start()
      await waitFor('delivered after the lease', async () => (await entryOf(fx.store, userId, id!))?.status === 'delivered')
      const request = stub.requests.find((r) => r.idempotencyKey === id)
      // Postgres compares with the database clock; allow a little skew.
      expect(request!.receivedAt).toBeGreaterThanOrEqual(leaseEnds - 50)
      expect((await entryOf(fx.store, userId, id!))?.attempts).toBe(2)
    })

    test('a dispatcher stopped mid-delivery abandons it within its grace period; a new one delivers after the lease', async () => {
      const stub = stubFor({ mode: 'hang' })
      const userId = `stopped-${dialect}`
      const [id] = await fx.insert([{ userId }])
      // A long delivery timeout: the call is still in flight when stop() is called.
      const first = dispatcherFor(fx.store, stub.url, { leaseMs: 500, stopGraceMs: 100 }, 5_000)
      first.start()
      await waitFor('first attempt in flight', () => stub.requests.some((r) => r.idempotencyKey === id))
      const stopStarted = Date.now()
      await first.stop()
      expect(Date.now() - stopStarted).toBeLessThan(2_000)
      expect(first.inFlightCount).toBe(0)
      expect((await entryOf(fx.store, userId, id!))?.status).toBe('pending')

      stub.mode = 'ok'
      const second = dispatcherFor(fx.store, stub.url)
      second.start()
      await waitFor('delivered by the second dispatcher', async () => (await entryOf(fx.store, userId, id!))?.status === 'delivered')
      expect(stub.keysDelivered().has(id!)).toBe(true)
    })
  })
}
