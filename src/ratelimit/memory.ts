import { type BucketCheck, type BucketState, decide, isFull, levelAt } from './bucket'
import type { BucketRule, LimitedBy, RateDecision, RateLimiter, RateLimitRules } from './model'

export interface MemoryRateLimiterOptions {
  now?: () => number
  /** Hard cap on buckets kept; past it the least recently used are dropped (they restart full). */
  maxBuckets?: number
  /** How often idle full buckets are swept out. */
  sweepIntervalMs?: number
}

/** One instance's token buckets in a Map. Bounded: full buckets are forgotten, and the Map never passes maxBuckets. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, BucketState>()
  private readonly now: () => number
  private readonly maxBuckets: number
  private readonly sweepIntervalMs: number
  private lastSweepMs: number

  constructor(
    private readonly rules: RateLimitRules,
    options: MemoryRateLimiterOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.maxBuckets = options.maxBuckets ?? 100_000
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000
    this.lastSweepMs = this.now()
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.buckets.size
  }

  async take(playerId: string, callerKey: string | null): Promise<RateDecision> {
    return this.takeNow(playerId, callerKey)
  }

  /** Synchronous take, so a check and its write cannot interleave with another request's. */
  takeNow(playerId: string, callerKey: string | null): RateDecision {
    const nowMs = this.now()
    this.maybeSweep(nowMs)
    const targets: { key: string; check: BucketCheck }[] = []
    const add = (limitedBy: LimitedBy, key: string, rule: BucketRule | null) => {
      if (!rule) return
      targets.push({ key, check: { limitedBy, rule, level: levelAt(this.buckets.get(key), rule, nowMs) } })
    }
    add('player', `p:${playerId}`, this.rules.player)
    if (callerKey !== null) add('caller', `c:${callerKey}`, this.rules.caller)
    const decision = decide(targets.map((target) => target.check))
    for (const { key, check } of targets) {
      // Delete then set moves the key to the end of the Map's order, which makes the order least recently used.
      // A refused take keeps its bucket as it was, but marks it used, so a hammered bucket is never evicted first.
      const state = decision.allowed ? { tokens: check.level - 1, updatedMs: nowMs } : this.buckets.get(key)
      this.buckets.delete(key)
      if (state) this.buckets.set(key, state)
    }
    if (!decision.allowed) return decision
    if (this.buckets.size > this.maxBuckets) this.evict(nowMs)
    return decision
  }

  private ruleFor(key: string): BucketRule | null {
    return key.startsWith('p:') ? this.rules.player : this.rules.caller
  }

  private maybeSweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.sweepIntervalMs) return
    this.lastSweepMs = nowMs
    this.sweepFull(nowMs)
  }

  private sweepFull(nowMs: number): void {
    for (const [key, state] of this.buckets) {
      const rule = this.ruleFor(key)
      if (!rule || isFull(state, rule, nowMs)) this.buckets.delete(key)
    }
  }

  private evict(nowMs: number): void {
    this.sweepFull(nowMs)
    // Still near the cap: drop the least recently used down to 90 %, so this O(n) pass runs at most once per
    // maxBuckets/10 new buckets. A dropped bucket restarts full: a lenient, bounded error.
    const target = Math.floor(this.maxBuckets * 0.9)
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break
      this.buckets.delete(key)
    }
  }
}
