export interface MicroBatcherOptions {
  /** A batch is handed over at once when it reaches this many items. */
  maxBatch: number
  /** 0: hand the batch over on the next event-loop turn (setImmediate); otherwise after this many ms. */
  windowMs: number
}

/**
 * Groups the items added within one event-loop turn (or `windowMs`), up to `maxBatch`, and hands each group to
 * `flush` in the order the items were added.
 */
export class MicroBatcher<T> {
  private pending: T[] = []
  private scheduled = false

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly options: MicroBatcherOptions,
  ) {}

  add(item: T): void {
    this.pending.push(item)
    if (this.pending.length >= this.options.maxBatch) {
      this.flushPending()
      return
    }
    if (this.scheduled) return
    this.scheduled = true
    const run = () => {
      this.scheduled = false
      this.flushPending()
    }
    if (this.options.windowMs > 0) setTimeout(run, this.options.windowMs)
    else setImmediate(run)
  }

  private flushPending(): void {
    if (this.pending.length === 0) return
    const items = this.pending
    this.pending = []
    this.flush(items)
  }
}
