import type { CatalogStore, RarityStats } from '../storage/port'

/**
 * Unlock counts per achievement, computed by one grouped query over the unlocked-rows index and kept for
 * `ttlMs`, so that no hot counter row serializes the unlocks of a popular achievement. Unlocks made by this
 * instance are added at once, so its own reads are never behind its own writes.
 */
export class RarityCache {
  private stats: RarityStats | null = null
  private loadedAt = 0
  private loading: Promise<RarityStats> | null = null

  constructor(
    private readonly store: CatalogStore,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<RarityStats> {
    const fresh = this.stats !== null && this.now() - this.loadedAt < this.ttlMs
    if (fresh && this.stats) return this.stats
    if (this.stats && !this.loading) {
      // Stale: answer with what we have and refresh in the background.
      void this.load().catch(() => {})
      if (this.ttlMs > 0) return this.stats
    }
    return this.loading ?? this.load()
  }

  private load(): Promise<RarityStats> {
    this.loading ??= this.store
      .rarity()
      .then((stats) => {
        this.stats = stats
        this.loadedAt = this.now()
        return stats
      })
      .finally(() => {
        this.loading = null
      })
    return this.loading
  }

  recordUnlocks(achievementIds: Iterable<string>): void {
    if (!this.stats) return
    for (const id of achievementIds) this.stats.unlockCounts.set(id, (this.stats.unlockCounts.get(id) ?? 0) + 1)
  }
}

export const MIN_PLAYERS_FOR_PERCENT = 10

export function unlockPercent(unlocked: number, players: number): number | null {
  if (players < MIN_PLAYERS_FOR_PERCENT) return null
  return Math.round((Math.min(unlocked, players) / players) * 10000) / 100
}
