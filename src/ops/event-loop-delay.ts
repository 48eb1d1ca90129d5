/**
 * Samples how late a repeating timer fires: the time the event loop could not run a ready callback, because it
 * was busy (a burst of work, a garbage collection) or because the process was not scheduled. Every request on
 * the loop waited as long, so this is the service's own share of its tail latency.
 */
export class EventLoopDelayMonitor {
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly observe: (seconds: number) => void,
    private readonly intervalMs = 10,
  ) {}

  start(): void {
    if (this.timer) return
    this.schedule()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    const due = performance.now() + this.intervalMs
    this.timer = setTimeout(() => {
      this.observe(Math.max(0, performance.now() - due) / 1000)
      if (this.timer) this.schedule()
    }, this.intervalMs)
    // A sampler must not keep the process alive.
    this.timer.unref()
  }
}
