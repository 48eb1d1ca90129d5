import type { Logger } from '../ops/logger'
import type { BoardKeys } from './redis-keys'
import type { RedisLink } from './redis-link'
import { type BoardRebuilder, redisRunId } from './rebuild'
import type { ScoreWriteObserver } from './score-writer'

/**
 * Keeps the Redis board equal to the database. The board is trusted only while its marker exists; the
 * marker holds the run_id of the Redis it was built on. A rebuild runs when:
 * - the marker is missing (Redis flushed or restarted empty),
 * - the marker names another run_id (Redis restarted from an older snapshot),
 * - this instance lost writes (Redis down or timing out): the marker is deleted first, so every instance
 *   reads from the database until the rebuild completes.
 * Checked on every (re)connect, when a read or write finds no marker, and on a timer.
 */
export class RedisBoardKeeper implements ScoreWriteObserver {
  private dirty = false
  private running: Promise<void> | null = null
  private again = false
  private timer: ReturnType<typeof setInterval> | null = null
  private unsubscribe: (() => void) | null = null
  /** Completed rebuilds (tests and metrics). */
  rebuilds = 0

  constructor(
    private readonly link: RedisLink,
    private readonly keys: BoardKeys,
    private readonly rebuilder: BoardRebuilder,
    private readonly logger: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  start(): void {
    this.unsubscribe = this.link.onAvailable(() => this.poke())
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.poke(), this.intervalMs)
      this.timer.unref?.()
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running?.catch(() => {})
  }

  /** Redis reads are trusted only while this instance has not lost writes since the last rebuild. */
  trusted(): boolean {
    return !this.dirty && this.link.usable()
  }

  writeLost(): void {
    this.dirty = true
  }

  boardNotReady(): void {
    this.poke()
  }

  poke(): void {
    void this.check().catch(() => {})
  }

  /** Checks the board and rebuilds it when needed; concurrent calls share one run, a call during a run queues one more. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        do {
          this.again = false
          await this.checkOnce()
        } while (this.again)
      } finally {
        this.running = null
      }
    })()
    return this.running
  }

  private async checkOnce(): Promise<void> {
    if (!this.link.usable()) return
    const runId = await redisRunId(this.link)
    const marker = await this.link.run((client) => client.get(this.keys.marker))
    const restarted = marker !== null && runId !== null && marker !== runId
    if (!this.dirty && marker !== null && !restarted) return

    const lostWrites = this.dirty
    this.dirty = false
    try {
      if (marker !== null) await this.link.run((client) => client.del(this.keys.marker))
      const startedAt = Date.now()
      const outcome = await this.rebuilder.rebuild(runId ?? 'unknown')
      if (outcome.status === 'busy') {
        // Another instance is rebuilding, maybe from a scan that began before our lost writes: redo after it.
        if (lostWrites) this.dirty = true
        return
      }
      this.rebuilds += 1
      this.logger.info('leaderboard rebuilt from the database', {
        players: outcome.players,
        ms: Date.now() - startedAt,
        reason: lostWrites ? 'lost writes' : marker === null ? 'marker missing' : 'redis restarted',
      })
    } catch (error) {
      this.dirty = true
      this.logger.warn('leaderboard rebuild failed; will retry', { error })
      throw error
    }
  }
}
