import Redis from 'ioredis'
import type { Logger } from '../ops/logger'
import { backstopTimeoutMs, withDeadline } from '../ops/deadline'

export interface RedisLinkOptions {
  /** Opening a connection gives up after this long. */
  connectTimeoutMs: number
  /** One command (or script) gives up after this long; the caller then answers from the database or with null. */
  commandTimeoutMs: number
  /** After a timeout or connection error, Redis is not tried again for this long (the circuit is open). */
  cooldownMs: number
}

export const DEFAULT_REDIS_LINK_OPTIONS: RedisLinkOptions = { connectTimeoutMs: 500, commandTimeoutMs: 250, cooldownMs: 1_000 }

/** Redis could not be asked (disconnected, circuit open): the caller falls back at once. */
export class RedisUnavailableError extends Error {
  constructor(message = 'redis unavailable') {
    super(message)
  }
}

/** A Redis error reply (wrong type, script error): Redis answered, so the circuit stays closed. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * One ioredis connection whose every call is bounded: no offline queue (a command while disconnected fails
 * at once), connect and command timeouts, no per-request retries, and a circuit breaker so that a Redis that
 * hangs costs one timeout per cooldown instead of one per request. Reconnects forever in the background.
 */
export class RedisLink {
  readonly client: Redis
  private openUntil = 0
  private tripped = false
  private readonly availableListeners = new Set<() => void>()

  constructor(
    url: string,
    private readonly options: RedisLinkOptions = DEFAULT_REDIS_LINK_OPTIONS,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs,
      // Each operation's deadline is run()'s (withDeadline); this only frees the commands of a hung connection.
      commandTimeout: backstopTimeoutMs(options.commandTimeoutMs),
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
    })
    let down = false
    this.client.on('error', (error: Error) => {
      if (!down) this.logger?.warn('redis connection error', { error: error.message })
      down = true
    })
    this.client.on('ready', () => {
      if (down) this.logger?.info('redis connection restored')
      down = false
      this.tripped = false
      this.openUntil = 0
      this.announceAvailable()
    })
  }

  /** Starts connecting; never waits or throws (the service starts and serves from the database without Redis). */
  connect(): void {
    if (this.client.status === 'wait') this.client.connect().catch(() => {})
  }

  /** Connected and the circuit is closed (or its cooldown is over: the next call probes). */
  usable(): boolean {
    return this.client.status === 'ready' && this.now() >= this.openUntil
  }

  /** Called whenever Redis becomes usable again: on (re)connect and on the first success after a trip. */
  onAvailable(listener: () => void): () => void {
    this.availableListeners.add(listener)
    return () => this.availableListeners.delete(listener)
  }

  /** Runs one operation with the time bound; throws RedisUnavailableError at once when Redis cannot be asked. */
  async run<T>(operation: (client: Redis) => Promise<T>, timeoutMs = this.options.commandTimeoutMs): Promise<T> {
    if (!this.usable()) throw new RedisUnavailableError()
    try {
      const result = await withDeadline(operation(this.client), timeoutMs + 20, () => new RedisUnavailableError('redis command timed out'))
      if (this.tripped) {
        this.tripped = false
        this.announceAvailable()
      }
      return result
    } catch (error) {
      if (!isReplyError(error)) this.trip(error)
      throw error
    }
  }

  async close(): Promise<void> {
    this.availableListeners.clear()
    if (this.client.status === 'ready') {
      await Promise.race([this.client.quit().catch(() => {}), Bun.sleep(500)])
    }
    this.client.disconnect()
  }

  private trip(error: unknown): void {
    if (!this.tripped) this.logger?.warn('redis call failed; using the database for the leaderboard', { error })
    this.tripped = true
    this.openUntil = this.now() + this.options.cooldownMs
  }

  private announceAvailable(): void {
    for (const listener of this.availableListeners) listener()
  }
}
