import type { Logger } from '../ops/logger'
import type { OutboxEntry, OutboxStore } from '../storage/port'
import type { UnlockNotifier } from './model'
import { retryDelayMs, type BackoffPolicy } from './retry'
import type { NotificationSender } from './sender'

export interface DispatcherOptions {
  /** Lease owner written on claimed rows; unique per instance. */
  owner: string
  /** How often due entries are looked for when nobody calls wake(). */
  pollIntervalMs: number
  /** Deliveries in flight at once (and so the most rows leased at once). */
  concurrency: number
  /** How long a claimed entry is hidden from other dispatchers; must be well above the delivery timeout. */
  leaseMs: number
  /** Attempts before an entry is parked. */
  maxAttempts: number
  backoff: BackoffPolicy
  /** On stop, how long in-flight deliveries may finish before they are abandoned. */
  stopGraceMs: number
  /** Jitter source (tests pin it). */
  random: () => number
}

export const DEFAULT_DISPATCHER_OPTIONS: Omit<DispatcherOptions, 'owner'> = {
  pollIntervalMs: 1_000,
  concurrency: 8,
  leaseMs: 30_000,
  maxAttempts: 12,
  backoff: { baseDelayMs: 1_000, maxDelayMs: 10 * 60_000 },
  stopGraceMs: 3_000,
  random: Math.random,
}

/** The delivery timeout the composition root uses: far below the lease, so a lease never ends mid-call. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000

export interface DispatcherCounters {
  delivered: number
  retried: number
  parked: number
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref?.()
  })

/**
 * Delivers the notification outbox: claims due pending entries (a lease, so that several instances never
 * send one entry at the same time), sends each with bounded concurrency and records the outcome.
 * Polls on a timer and at once on wake(). Delivery is at-least-once: an outcome that cannot be recorded,
 * or a crash, leaves the entry leased until the lease ends, and then it is sent again.
 */
export class OutboxDispatcher implements UnlockNotifier {
  private readonly options: DispatcherOptions
  private readonly inFlight = new Map<string, Promise<void>>()
  private running = false
  private timer: ReturnType<typeof setInterval> | null = null
  private claiming: Promise<void> | null = null
  private claimAgain = false
  /** The last claim filled every free slot: more may be due, so claim again as slots free up. */
  private backlog = false
  private abort = new AbortController()
  private readonly counts: DispatcherCounters = { delivered: 0, retried: 0, parked: 0 }

  constructor(
    private readonly store: OutboxStore,
    private readonly sender: NotificationSender,
    private readonly logger: Logger,
    options: Partial<DispatcherOptions> & { owner: string },
  ) {
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...options }
  }

  /** Outcomes recorded by this instance since it started. */
  get counters(): Readonly<DispatcherCounters> {
    return { ...this.counts }
  }

  get inFlightCount(): number {
    return this.inFlight.size
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.abort = new AbortController()
    this.timer = setInterval(() => this.poll(), this.options.pollIntervalMs)
    this.timer.unref?.()
    this.poll()
  }

  wake(): void {
    this.poll()
  }

  /** Stops claiming, lets in-flight deliveries finish for stopGraceMs, then abandons the rest (their leases run out). */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    const settled = async () => {
      await this.claiming
      await Promise.allSettled([...this.inFlight.values()])
    }
    await Promise.race([settled(), sleep(this.options.stopGraceMs)])
    if (this.inFlight.size > 0 || this.claiming) {
      this.logger.info('abandoning in-flight notification deliveries', { count: this.inFlight.size })
      this.abort.abort()
      await Promise.race([settled(), sleep(1_000)])
    }
  }

  private pollAfter(delayMs: number): void {
    const timer = setTimeout(() => this.poll(), delayMs + 1)
    timer.unref?.()
  }

  private poll(): void {
    if (!this.running) return
    if (this.claiming) {
      this.claimAgain = true
      return
    }
    this.claiming = this.claim().finally(() => {
      this.claiming = null
      if (this.claimAgain) {
        this.claimAgain = false
        this.poll()
      }
    })
  }

  private async claim(): Promise<void> {
    const free = this.options.concurrency - this.inFlight.size
    if (free <= 0) {
      this.backlog = true
      return
    }
    let entries: OutboxEntry[]
    try {
      // Only as many as can start now, so that no claimed entry waits for a slot while its lease runs.
      entries = await this.store.claimDue(this.options.owner, free, this.options.leaseMs)
    } catch (error) {
      this.logger.warn('could not claim notification outbox entries', { error })
      return
    }
    this.backlog = entries.length === free
    for (const entry of entries) {
      // Only possible if a lease ended mid-call (lease shorter than the delivery timeout): never send twice at once.
      if (this.inFlight.has(entry.id)) continue
      const delivery = this.deliver(entry).finally(() => {
        this.inFlight.delete(entry.id)
        if (this.backlog && this.inFlight.size <= this.options.concurrency / 2) this.poll()
      })
      this.inFlight.set(entry.id, delivery)
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const outcome = await this.sender.send(entry, this.abort.signal)
    // Abandoned on stop: record nothing, the lease runs out and any instance sends it again.
    if (outcome.kind !== 'delivered' && this.abort.signal.aborted) return
    const { owner, maxAttempts, backoff, random } = this.options
    try {
      if (outcome.kind === 'delivered') {
        await this.store.markDelivered(entry.id, owner)
        this.counts.delivered++
        return
      }
      if (outcome.kind === 'reject' || entry.attempts >= maxAttempts) {
        await this.store.markFailed(entry.id, owner, outcome.error, null)
        this.counts.parked++
        this.logger.warn('notification parked', {
          outboxId: entry.id,
          userId: entry.userId,
          achievementCode: entry.achievementCode,
          attempts: entry.attempts,
          error: outcome.error,
        })
        return
      }
      const delay = retryDelayMs(entry.attempts, backoff, random, outcome.retryAfterMs)
      await this.store.markFailed(entry.id, owner, outcome.error, new Date(Date.now() + delay))
      this.counts.retried++
      // A retry due before the next poll is looked for when it is due.
      if (delay < this.options.pollIntervalMs) this.pollAfter(delay)
      this.logger.debug('notification delivery failed, will retry', {
        outboxId: entry.id,
        attempts: entry.attempts,
        retryInMs: delay,
        error: outcome.error,
      })
    } catch (error) {
      this.logger.warn('could not record notification delivery outcome', { outboxId: entry.id, error })
    }
  }
}

/** The notifier when no notification service is configured: entries stay pending in the outbox. */
export const idleUnlockNotifier: UnlockNotifier = { wake() {} }
