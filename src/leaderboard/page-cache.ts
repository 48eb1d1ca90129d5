export interface PageCacheOptions {
  /** How long a rendered page is reused, counted from when its board read began (0 = no caching). */
  ttlMs: number
  /** Pages kept at most; the oldest go first. */
  maxEntries: number
}

export const DEFAULT_PAGE_CACHE_OPTIONS: PageCacheOptions = { ttlMs: 250, maxEntries: 500 }

interface CachedPage<V> {
  value: V
  expiresAt: number
}

/**
 * Rendered leaderboard pages of this instance, each reused for at most `ttlMs` after its board read began, so a
 * served page is never older than the TTL. Single-flight: while a key loads, other readers of that key share
 * the load. A failed load is not cached. Bounded in entries (Map order: the first keys are the oldest stores).
 */
export class PageCache<V> {
  private readonly pages = new Map<string, CachedPage<V>>()
  private readonly loading = new Map<string, Promise<V>>()

  constructor(
    private readonly options: PageCacheOptions = DEFAULT_PAGE_CACHE_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.options.ttlMs > 0
  }

  /** Pages held now (tests and metrics). */
  get size(): number {
    return this.pages.size
  }

  /** The fresh page of the key, else the running load of the key, else a new load (whose start time dates it). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (!this.enabled) return load()
    const cached = this.fresh(key)
    if (cached !== undefined) return Promise.resolve(cached)
    const running = this.loading.get(key)
    if (running) return running
    const startedAt = this.now()
    const loading = load()
      .then((value) => {
        this.set(key, value, startedAt)
        return value
      })
      .finally(() => this.loading.delete(key))
    this.loading.set(key, loading)
    return loading
  }

  /** The page of the key while it is fresh. */
  fresh(key: string): V | undefined {
    const cached = this.pages.get(key)
    if (cached === undefined) return undefined
    if (cached.expiresAt > this.now()) return cached.value
    this.pages.delete(key)
    return undefined
  }

  /** Stores a page whose board read began at `readAt`. */
  set(key: string, value: V, readAt: number): void {
    if (!this.enabled) return
    const now = this.now()
    const expiresAt = readAt + this.options.ttlMs
    if (expiresAt <= now) return
    this.pages.delete(key)
    this.pages.set(key, { value, expiresAt })
    for (const [oldestKey, oldest] of this.pages) {
      if (this.pages.size <= this.options.maxEntries && oldest.expiresAt > now) break
      this.pages.delete(oldestKey)
    }
  }
}
