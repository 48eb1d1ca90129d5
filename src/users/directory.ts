import { USER_NOT_FOUND, UserServiceClient } from './client'
import { NoUserDirectory, type UserDirectory, type UserProfile } from './model'

export interface CachingUserDirectoryOptions {
  /** A page waits at most this long for names; lookups still running go on and fill the cache. */
  budgetMs: number
  /** Lookups in flight at once; the rest wait for a slot. */
  concurrency: number
  /** Lookups waiting for a slot beyond this are skipped (names null), so a dead user service cannot pile up work. */
  maxQueued: number
  foundTtlMs: number
  notFoundTtlMs: number
  /** A failed lookup (timeout, refused, 5xx) is not retried for this long. */
  failureTtlMs: number
  /**
   * Ids cached at most, least recently used evicted first. Kept small: under around_user churn a 50k cache held
   * the heap (and RSS) far above what its entries weigh.
   */
  maxEntries: number
}

export const DEFAULT_USER_DIRECTORY_OPTIONS: CachingUserDirectoryOptions = {
  budgetMs: 150,
  concurrency: 16,
  maxQueued: 2_000,
  foundTtlMs: 5 * 60_000,
  notFoundTtlMs: 60_000,
  failureTtlMs: 10_000,
  maxEntries: 10_000,
}

interface CacheEntry {
  profile: UserProfile | null
  expiresAt: number
}

/**
 * Names from the user service, cached in process (with a shorter TTL for unknown ids and failures), looked up
 * concurrently with a bound, one lookup per id at a time, and answered within a time budget: whatever is not
 * known by then is left out (names null). Never throws.
 */
export class CachingUserDirectory implements UserDirectory {
  private readonly cache = new Map<string, CacheEntry>()
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly waiting: (() => void)[] = []
  private active = 0
  /** Calls made to the user service (tests and metrics). */
  lookups = 0

  constructor(
    private readonly client: UserServiceClient,
    private readonly options: CachingUserDirectoryOptions = DEFAULT_USER_DIRECTORY_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  async profiles(userIds: readonly string[]): Promise<Map<string, UserProfile>> {
    const missing: Promise<void>[] = []
    for (const id of new Set(userIds)) {
      if (!this.fresh(id)) missing.push(this.load(id))
    }
    if (missing.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([Promise.all(missing), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.budgetMs)))])
      clearTimeout(timer)
    }
    const known = new Map<string, UserProfile>()
    const now = this.now()
    for (const id of userIds) {
      const entry = this.cache.get(id)
      if (entry?.profile && entry.expiresAt > now) known.set(id, entry.profile)
    }
    return known
  }

  /** The id's entry while it is fresh, marked as the most recently used (Map order: first = least recent). */
  private fresh(id: string): CacheEntry | undefined {
    const entry = this.cache.get(id)
    if (entry === undefined) return undefined
    this.cache.delete(id)
    if (entry.expiresAt <= this.now()) return undefined
    this.cache.set(id, entry)
    return entry
  }

  private load(id: string): Promise<void> {
    const running = this.inFlight.get(id)
    if (running) return running
    if (this.waiting.length >= this.options.maxQueued) return Promise.resolve()
    const loading = this.lookup(id).finally(() => this.inFlight.delete(id))
    this.inFlight.set(id, loading)
    return loading
  }

  private async lookup(id: string): Promise<void> {
    await this.acquire()
    try {
      this.lookups += 1
      const answer = await this.client.fetchProfile(id)
      if (answer === USER_NOT_FOUND) this.remember(id, null, this.options.notFoundTtlMs)
      else this.remember(id, answer, this.options.foundTtlMs)
    } catch {
      this.remember(id, null, this.options.failureTtlMs)
    } finally {
      this.release()
    }
  }

  private remember(id: string, profile: UserProfile | null, ttlMs: number): void {
    this.cache.delete(id)
    this.cache.set(id, { profile, expiresAt: this.now() + ttlMs })
    while (this.cache.size > this.options.maxEntries) {
      const oldest = this.cache.keys().next().value
      if (oldest === undefined) break
      this.cache.delete(oldest)
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active += 1
      return Promise.resolve()
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  private release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.active -= 1
  }
}

export function createUserDirectory(
  userServiceUrl: string | null,
  options: Partial<CachingUserDirectoryOptions> & { requestTimeoutMs?: number } = {},
): UserDirectory {
  if (!userServiceUrl) return new NoUserDirectory()
  const { requestTimeoutMs, ...directoryOptions } = options
  return new CachingUserDirectory(new UserServiceClient(userServiceUrl, requestTimeoutMs ?? 1_000), {
    ...DEFAULT_USER_DIRECTORY_OPTIONS,
    ...directoryOptions,
  })
}
