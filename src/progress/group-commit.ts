import { TurnCounter } from '../ops/turn-counter'

export type Outcome<R> = { ok: true; result: R } | { ok: false; error: unknown }

export interface GroupCommitOptions {
  /** Most commands in one batch. */
  maxBatch: number
  /** Most batches being committed at once. */
  maxInFlight: number
  /**
   * Fewest commands for a batch that would overlap one already committing (default 1). A batch starts at once
   * when nothing is committing; a smaller one waits for a free moment instead of spending a statement, whose fixed
   * cost is most of a small batch's, on a few commands.
   */
  minOverlappingBatch?: number
}

interface Pending<C, R> {
  command: C
  key: string
  /** False until the command's admission (e.g. its rate-limit check) has passed. */
  admitted: boolean
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

/**
 * Group commit: commands that arrive while earlier batches are committing are gathered into the next batch,
 * so many requests share one transaction and one round trip. Each caller is answered only after its batch
 * commits, with its own outcome. Commands with the same key (the player) never run in two batches at once,
 * so one player's commands apply in the order they arrived.
 */
export class GroupCommitter<C, R> {
  private queue: Pending<C, R>[] = []
  private readonly busyKeys = new Map<string, number>()
  private inFlight = 0
  private scheduled = false
  private idleWaiters: (() => void)[] = []
  private readonly turns = new TurnCounter()
  /** Each batch once it has committed (or failed): its size and how long its run took, for metrics. */
  onBatch: ((size: number, seconds: number) => void) | null = null

  constructor(
    private readonly run: (batch: C[]) => Promise<Outcome<R>[]>,
    private readonly keyOf: (command: C) => string,
    private readonly options: GroupCommitOptions,
  ) {}

  /**
   * Queues `command`; resolves with its outcome once its batch has committed. With `admission`, the command
   * waits in the queue until that promise resolves (and is dropped, rejecting with its error, if it rejects):
   * a check such as the rate limiter's runs while the command waits for its batch, not before it.
   */
  submit(command: C, admission?: Promise<unknown>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const item: Pending<C, R> = { command, key: this.keyOf(command), admitted: admission === undefined, resolve, reject }
      this.queue.push(item)
      if (admission === undefined) return this.schedule()
      const queuedInTurn = this.turns.current()
      admission.then(
        () => {
          item.admitted = true
          this.schedule(queuedInTurn)
        },
        (error: unknown) => {
          this.queue = this.queue.filter((queued) => queued !== item)
          reject(error)
          this.schedule()
          this.settleIfIdle()
        },
      )
    })
  }

  get pending(): number {
    return this.queue.length + this.inFlight
  }

  /** Resolves once nothing is queued or committing. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Flushes at the end of this turn, so that the requests that arrive in it join the batch. But when an answer
   * from outside schedules it (`since`, the turn its wait began in, is an earlier one: an admission answered by
   * Redis, a batch answered by the database), at once: the commands it lets go are already queued, and this
   * turn's new requests could not join them anyway (they wait for their own admission), so waiting for the end
   * of the turn would only delay them. An admission settled in the turn it began in (a local limiter) still waits
   * for the turn's other requests.
   */
  private schedule(since?: number): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return
    this.scheduled = true
    if (since !== undefined && since !== this.turns.current()) queueMicrotask(() => this.flush())
    else setImmediate(() => this.flush())
  }

  private flush(): void {
    this.scheduled = false
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const { batch, rest } = this.nextBatch()
      const fewest = this.inFlight > 0 ? (this.options.minOverlappingBatch ?? 1) : 1
      if (batch.length < fewest) break
      this.queue = rest
      this.commit(batch)
    }
  }

  /** The commands the next batch would take, and the queue that would be left. */
  private nextBatch(): { batch: Pending<C, R>[]; rest: Pending<C, R>[] } {
    const batch: Pending<C, R>[] = []
    const rest: Pending<C, R>[] = []
    // Keys with an earlier command still waiting: their later commands wait too, so none overtakes another.
    const held = new Set<string>()
    for (const item of this.queue) {
      if (batch.length < this.options.maxBatch && item.admitted && !this.busyKeys.has(item.key) && !held.has(item.key)) {
        batch.push(item)
      } else {
        rest.push(item)
        held.add(item.key)
      }
    }
    // A key that is committing waits whole; several commands of one key in this batch run in their order.
    return { batch, rest }
  }

  private settleIfIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve())
  }

  private commit(batch: Pending<C, R>[]): void {
    this.inFlight += 1
    for (const item of batch) this.busyKeys.set(item.key, (this.busyKeys.get(item.key) ?? 0) + 1)
    const startedAt = performance.now()
    const startedInTurn = this.turns.current()
    this.run(batch.map((item) => item.command))
      .then(
        (outcomes) =>
          batch.forEach((item, index) => {
            const outcome = outcomes[index]
            if (outcome?.ok) item.resolve(outcome.result)
            else item.reject(outcome ? outcome.error : new Error('no outcome for command'))
          }),
        (error) => batch.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        this.onBatch?.(batch.length, (performance.now() - startedAt) / 1000)
        this.inFlight -= 1
        for (const item of batch) {
          const left = (this.busyKeys.get(item.key) ?? 1) - 1
          if (left === 0) this.busyKeys.delete(item.key)
          else this.busyKeys.set(item.key, left)
        }
        if (this.queue.length > 0) this.schedule(startedInTurn)
        else this.settleIfIdle()
      })
  }
}
