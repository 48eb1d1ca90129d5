export interface PageCacheOptions {
  /** How long a rendered page is served, counted from when its board read began (0 = no caching). */
  ttlMs: number
  /**
   * A read of a page at least this old (and still within the TTL) is answered from the cache and starts one
   * refresh in the background, so that busy pages are replaced before they expire and readers do not all wait
   * for the reload at once. Default: half the TTL.
   */
  refreshAfterMs?: number
  /** Pages kept at most; the oldest go first. */
  maxEntries: number
}

export const DEFAULT_PAGE_CACHE_OPTIONS: PageCacheOptions = { ttlMs: 250, maxEntries: 500 }

interface CachedPage<V> {
  value: V
  readAt: number
}

/**
 * Rendered leaderboard pages of this instance, each served for at most `ttlMs` after its board read began, so
 * a served page is never older than the TTL. Single-flight: while a key loads, other readers of that key share
 * the load (or keep getting the cached page, during a background refresh). A failed load is not cached.
 * Bounded in entries (Map order: the first keys are the oldest stores).
 */
export class PageCache<V> {
  private readonly pages = new Map<string, CachedPage<V>>()
  private readonly loading = new Map<string, Promise<V>>()
  private readonly refreshAfterMs: number

  constructor(
    private readonly options: PageCacheOptions = DEFAULT_PAGE_CACHE_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.refreshAfterMs = options.refreshAfterMs ?? Math.floor(options.ttlMs / 2)
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0
  }

  /** Pages held now (tests and metrics). */
  get size(): number {
    return this.pages.size
  }

  /** The cached page of the key while it is within the TTL, else the running load of the key, else a new load. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (!this.enabled) return load()
    const now = this.now()
    const cached = this.pages.get(key)
    if (cached !== undefined && now - cached.readAt < this.options.ttlMs) {
      if (now - cached.readAt >= this.refreshAfterMs && !this.loading.has(key)) this.start(key, load).catch(() => {})
      return Promise.resolve(cached.value)
    }
    return this.loading.get(key) ?? this.start(key, load)
  }

  /** The page of the key while it is within the TTL. */
  fresh(key: string): V | undefined {
    const cached = this.pages.get(key)
    if (cached === undefined) return undefined
    if (this.now() - cached.readAt < this.options.ttlMs) return cached.value
    this.pages.delete(key)
    return undefined
  }

  /** Stores a page whose board read began at `readAt`, unless the cache holds one read later. */
  set(key: string, value: V, readAt: number): void {
    if (!this.enabled) return
    const now = this.now()
    if (now - readAt >= this.options.ttlMs) return
    const held = this.pages.get(key)
    if (held !== undefined && held.readAt > readAt) return
    this.pages.delete(key)
    this.pages.set(key, { value, readAt })
    for (const [oldestKey, oldest] of this.pages) {
      if (this.pages.size <= this.options.maxEntries && now - oldest.readAt < this.options.ttlMs) break
      this.pages.delete(oldestKey)
    }
  }

  /** One load of the key, dated by its start; stored when it succeeds. */
  private start(key: string, load: () => Promise<V>): Promise<V> {
    const readAt = this.now()
    const loading = load()
      .then((value) => {
        this.set(key, value, readAt)
        return value
      })
      .finally(() => this.loading.delete(key))
    this.loading.set(key, loading)
    return loading
  }
}
