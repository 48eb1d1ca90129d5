import type { Logger } from '../ops/logger'
import type { IdempotencyStore } from '../storage/port'

/**
 * Deletes Idempotency-Keys older than the retention (the contract keeps them at least 24 h), at start and then
 * periodically. Every instance may run it: deleting an already deleted key is harmless.
 */
export class IdempotencyPruner {
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(
    private readonly store: IdempotencyStore,
    private readonly retentionMs: number,
    private readonly logger: Logger,
    private readonly everyMs = 15 * 60_000,
  ) {}

  start(): void {
    void this.prune()
    this.timer = setInterval(() => void this.prune(), this.everyMs)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  async prune(): Promise<number> {
    try {
      const removed = await this.store.prune(new Date(Date.now() - this.retentionMs))
      if (removed > 0) this.logger.info('pruned idempotency keys', { removed })
      return removed
    } catch (error) {
      this.logger.warn('idempotency key pruning failed; will retry', { error })
      return 0
    }
  }
}
