import { describe, expect, test } from 'bun:test'
import { idleUnlockNotifier, OutboxDispatcher } from '../../src/notifications/dispatcher'
import { createUnlockNotifications } from '../../src/notifications/service'
import { silentLogger } from '../../src/ops/logger'
import type { OutboxStore } from '../../src/storage/port'

const unusedStore = {} as OutboxStore

describe('notification wiring', () => {
  test('without a service URL there is no dispatcher and wake() does nothing', async () => {
    const notifications = createUnlockNotifications({ serviceUrl: null, owner: 'a', store: unusedStore, logger: silentLogger })
    expect(notifications.dispatcher).toBeNull()
    expect(notifications.notifier).toBe(idleUnlockNotifier)
    notifications.start()
    notifications.notifier.wake()
    await notifications.stop()
  })

  test('with a service URL the notifier is the dispatcher', () => {
    const notifications = createUnlockNotifications({ serviceUrl: 'http://127.0.0.1:1', owner: 'a', store: unusedStore, logger: silentLogger })
    expect(notifications.dispatcher).toBeInstanceOf(OutboxDispatcher)
    expect(notifications.notifier).toBe(notifications.dispatcher!)
  })

  test('a lease shorter than twice the delivery timeout is refused', () => {
    expect(() =>
      createUnlockNotifications({
        serviceUrl: 'http://127.0.0.1:1',
        owner: 'a',
        store: unusedStore,
        logger: silentLogger,
        tuning: { leaseMs: 1_000, deliveryTimeoutMs: 800 },
      }),
    ).toThrow(/lease/)
  })
})
