import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { OutboxDispatcher } from '../../src/notifications/dispatcher'
import { HttpNotificationSender } from '../../src/notifications/sender'
import { silentLogger } from '../../src/ops/logger'
import { DIALECTS } from '../support/service'
import { openOutboxFixture, startNotificationStub, type OutboxFixture } from './support'
import { waitFor } from '../support/wait'

// Several instances share one database only on Postgres.
describe.skipIf(!DIALECTS.includes('postgres'))('two dispatchers on one Postgres database', () => {
  let fx: OutboxFixture
  beforeAll(async () => {
    fx = await openOutboxFixture('postgres')
  })
  afterAll(async () => {
    await fx.close()
  })

  test('never deliver the same entry concurrently, and deliver every entry', async () => {
    const stub = startNotificationStub()
    // Varied answer times so that the two dispatchers' claims interleave.
    stub.answerDelayMs = () => 5 + Math.floor(Math.random() * 25)
    const userId = 'shared-player'
    const ids = await fx.insert(Array.from({ length: 80 }, () => ({ userId })))
    const dispatchers = await Promise.all(
      ['instance-a', 'instance-b'].map(
        async (owner) =>
          new OutboxDispatcher(await fx.openStore(), new HttpNotificationSender(stub.url, 1_000), silentLogger, {
            owner,
            pollIntervalMs: 10,
            concurrency: 6,
            leaseMs: 5_000,
          }),
      ),
    )
    try {
      for (const dispatcher of dispatchers) dispatcher.start()
      await waitFor('every entry delivered', async () => (await fx.store.forUser(userId)).every((e) => e.status === 'delivered'), 20_000)
      expect(stub.concurrentDuplicates).toEqual([])
      expect(stub.keysDelivered()).toEqual(new Set(ids))
      // Leases held (the delivery timeout is far below the lease): each entry was sent exactly once.
      expect(stub.requests.length).toBe(ids.length)
      // Both instances took part.
      for (const dispatcher of dispatchers) expect(dispatcher.counters.delivered).toBeGreaterThan(0)
      expect(dispatchers[0]!.counters.delivered + dispatchers[1]!.counters.delivered).toBe(ids.length)
    } finally {
      for (const dispatcher of dispatchers) await dispatcher.stop()
      await stub.stop()
    }
  })
})
