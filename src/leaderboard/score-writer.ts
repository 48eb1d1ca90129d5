import type { BoardKeys } from './redis-keys'
import { REBUILD_LEASE_MS } from './redis-keys'
import type { RedisLink } from './redis-link'
import { WRITE_SCRIPT } from './redis-scripts'
import { MicroBatcher } from '../ops/micro-batcher'

export interface ScoreWriterOptions {
  /**
   * A submit waits at most this long for others to join its batch. 0: until the current microtasks have run —
   * the requests one group-commit batch answers all resume in that same pass, so their writes still go as one
   * script call, without waiting for another turn of the event loop.
   */
  windowMs: number
  /** A batch this large is sent at once. */
  maxBatch: number
}

export const DEFAULT_SCORE_WRITER_OPTIONS: ScoreWriterOptions = { windowMs: 0, maxBatch: 500 }

/** What the writer tells the keeper of the Redis board. */
export interface ScoreWriteObserver {
  /** A write may not have reached Redis (down, timed out): the board may be behind the database. */
  writeLost(): void
  /** The board's marker is missing: it is not known complete. */
  boardNotReady(): void
}

interface PendingWrite {
  userId: string
  total: number
  resolve: (rank: number | null) => void
}

/**
 * Coalesces the submits of many concurrent requests into one atomic Redis script call per batch
 * (`ZADD key GT total user` + the rank of each write). Never throws; answers null at once when Redis cannot
 * be asked, and within the window plus one command timeout otherwise.
 */
export class ScoreWriter {
  private readonly batcher: MicroBatcher<PendingWrite>
  /** Batches sent to Redis (tests and metrics). */
  batchesSent = 0

  constructor(
    private readonly link: RedisLink,
    private readonly keys: BoardKeys,
    private readonly observer: ScoreWriteObserver,
    options: ScoreWriterOptions = DEFAULT_SCORE_WRITER_OPTIONS,
  ) {
    this.batcher = new MicroBatcher((batch) => this.send(batch), { ...options, zeroWindow: 'microtasks' })
  }

  submit(userId: string, total: number): Promise<number | null> {
    if (!Number.isSafeInteger(total) || total <= 0) return Promise.resolve(null)
    if (!this.link.usable()) {
      this.observer.writeLost()
      return Promise.resolve(null)
    }
    return new Promise((resolve) => this.batcher.add({ userId, total, resolve }))
  }

  /** Sends what is queued now and waits for every batch in flight. */
  drain(): Promise<void> {
    return this.batcher.drain()
  }

  private async send(batch: PendingWrite[]): Promise<void> {
    const args: (string | number)[] = [REBUILD_LEASE_MS]
    for (const write of batch) args.push(write.userId, write.total)
    this.batchesSent += 1
    try {
      const reply = (await this.link.run((client) =>
        WRITE_SCRIPT.run(client, [this.keys.board, this.keys.marker, this.keys.rebuild], args),
      )) as number[]
      const complete = reply[0] === 1
      // Ranks read from an incomplete board would be wrong: answer null until it is rebuilt.
      if (!complete) this.observer.boardNotReady()
      batch.forEach((write, index) => write.resolve(complete ? (reply[index + 1] ?? null) : null))
    } catch {
      this.observer.writeLost()
      for (const write of batch) write.resolve(null)
    }
  }
}
