export interface MicroBatcherOptions {
  /** A batch is handed over at once when it reaches this many items. */
  maxBatch: number
  /** > 0: the batch is handed over this many ms after its first item; 0: see `zeroWindow`. */
  windowMs: number
  /**
   * What a window of 0 waits for: the next event-loop turn ('turn', setImmediate: the items added by every I/O
   * callback of this turn join), or only the microtasks queued now ('microtasks': the items added by callers
   * that resume together, e.g. the requests one committed batch answers).
   */
  zeroWindow?: 'turn' | 'microtasks'
}

/**
 * Groups the items added within one window, up to `maxBatch`, and hands each group to `flush` in the order the
 * items were added. A `flush` that returns a promise (the batch's sending) is waited for by `drain`.
 */
export class MicroBatcher<T> {
  private pending: T[] = []
  private cancelScheduled: (() => void) | null = null
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor(
    private readonly flush: (items: T[]) => void | Promise<unknown>,
    private readonly options: MicroBatcherOptions,
  ) {}

  add(item: T): void {
    this.pending.push(item)
    if (this.pending.length >= this.options.maxBatch) this.flushNow()
    else this.cancelScheduled ??= this.schedule()
  }

  /** Hands over what is pending now, without waiting for the window. */
  flushNow(): void {
    this.cancelScheduled?.()
    this.cancelScheduled = null
    if (this.pending.length === 0) return
    const items = this.pending
    this.pending = []
    const sending = this.flush(items)
    if (sending === undefined) return
    const tracked: Promise<unknown> = sending.then(
      () => this.inFlight.delete(tracked),
      () => this.inFlight.delete(tracked),
    )
    this.inFlight.add(tracked)
  }

  /** Hands over what is pending now and resolves once every batch handed over has been sent (or failed). */
  async drain(): Promise<void> {
    this.flushNow()
    await Promise.all([...this.inFlight])
  }

  private schedule(): () => void {
    const run = () => {
      this.cancelScheduled = null
      this.flushNow()
    }
    if (this.options.windowMs > 0) {
      const timer = setTimeout(run, this.options.windowMs)
      return () => clearTimeout(timer)
    }
    if (this.options.zeroWindow === 'microtasks') {
      let cancelled = false
      queueMicrotask(() => {
        if (!cancelled) run()
      })
      return () => {
        cancelled = true
      }
    }
    const immediate = setImmediate(run)
    return () => clearImmediate(immediate)
  }
}
