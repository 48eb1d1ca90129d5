import type { Logger } from '../ops/logger'
import type { OutboxStore } from '../storage/port'
import { DEFAULT_DELIVERY_TIMEOUT_MS, DEFAULT_DISPATCHER_OPTIONS, OutboxDispatcher, idleUnlockNotifier, type DispatcherOptions } from './dispatcher'
import type { UnlockNotifier } from './model'
import { HttpNotificationSender } from './sender'

/** Dispatcher knobs the composition root accepts (tests shrink them). */
export type NotificationTuning = Partial<Omit<DispatcherOptions, 'owner'>> & { deliveryTimeoutMs?: number }

export interface UnlockNotifications {
  notifier: UnlockNotifier
  /** null when no notification service is configured. */
  dispatcher: OutboxDispatcher | null
  start(): void
  stop(): Promise<void>
}

/**
 * With a notification service URL: a dispatcher delivering the outbox. Without one, nothing is sent and
 * unlocks stay recorded as pending, so configuring the URL later delivers them.
 */
export function createUnlockNotifications(input: {
  serviceUrl: string | null
  owner: string
  store: OutboxStore
  logger: Logger
  tuning?: NotificationTuning
}): UnlockNotifications {
  const logger = input.logger.child({ component: 'notifications' })
  if (input.serviceUrl === null) {
    return {
      notifier: idleUnlockNotifier,
      dispatcher: null,
      start() {
        logger.info('NOTIFICATION_SERVICE_URL is not set: unlock notifications are recorded as pending, not sent')
      },
      async stop() {},
    }
  }
  const { deliveryTimeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS, ...tuning } = input.tuning ?? {}
  const leaseMs = tuning.leaseMs ?? DEFAULT_DISPATCHER_OPTIONS.leaseMs
  if (leaseMs < deliveryTimeoutMs * 2) {
    throw new Error(`notification lease (${leaseMs} ms) must be at least twice the delivery timeout (${deliveryTimeoutMs} ms)`)
  }
  const sender = new HttpNotificationSender(input.serviceUrl, deliveryTimeoutMs)
  const dispatcher = new OutboxDispatcher(input.store, sender, logger, { ...tuning, owner: input.owner })
  return {
    notifier: dispatcher,
    dispatcher,
    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
  }
}
