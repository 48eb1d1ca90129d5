import type { AchievementRecord, CatalogStore } from '../storage/port'

/**
 * In-process copy of every achievement definition, for the hot path. Reloaded whole on any change
 * announced by the storage (on every instance), on a miss that the database can answer, and on a timer
 * as a backstop for a missed announcement.
 */
export class CatalogCache {
  private byCodeMap = new Map<string, AchievementRecord>()
  private byIdMap = new Map<string, AchievementRecord>()
  private loading: Promise<void> | null = null
  /** Database lookups of missed codes in flight: concurrent misses of one code share one. */
  private readonly lookups = new Map<string, Promise<AchievementRecord | null>>()
  private reloadAgain = false
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(
    private readonly store: CatalogStore,
    private readonly backstopMs = 30_000,
  ) {}

  async start(): Promise<void> {
    await this.reload()
    if (this.backstopMs > 0) {
      this.timer = setInterval(() => void this.reload().catch(() => {}), this.backstopMs)
      this.timer.unref?.()
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Reloads all definitions; concurrent calls share one load, and a call during a load queues one more. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true
      return this.loading
    }
    this.loading = (async () => {
      try {
        do {
          this.reloadAgain = false
          const rows = await this.store.all()
          this.byCodeMap = new Map(rows.map((row) => [row.code, row]))
          this.byIdMap = new Map(rows.map((row) => [row.id, row]))
        } while (this.reloadAgain)
      } finally {
        this.loading = null
      }
    })()
    return this.loading
  }

  /** Puts a record the caller just wrote, so this instance reads its own writes at once. */
  put(record: AchievementRecord): void {
    this.byCodeMap.set(record.code, record)
    this.byIdMap.set(record.id, record)
  }

  peek(code: string): AchievementRecord | undefined {
    return this.byCodeMap.get(code)
  }

  byId(id: string): AchievementRecord | undefined {
    return this.byIdMap.get(id)
  }

  /**
   * The cached definition, or the database's answer on a miss (a definition created on another instance). A burst
   * of requests for a code this instance has not seen yet makes one lookup, not one per request.
   */
  async get(code: string): Promise<AchievementRecord | undefined> {
    const cached = this.byCodeMap.get(code)
    if (cached) return cached
    let lookup = this.lookups.get(code)
    if (!lookup) {
      lookup = this.store.getByCode(code).finally(() => this.lookups.delete(code))
      this.lookups.set(code, lookup)
    }
    const stored = await lookup
    if (stored) this.put(stored)
    return stored ?? undefined
  }

  size(): number {
    return this.byCodeMap.size
  }
}
