import type { BucketRule, LimitedBy, RateDecision } from './model'

/** A bucket as stored: its level at `updatedMs`. A bucket that is absent is full. */
export interface BucketState {
  tokens: number
  updatedMs: number
}

/** The level of a bucket at `nowMs` (a clock going backwards refills nothing). */
export function levelAt(state: BucketState | undefined, rule: BucketRule, nowMs: number): number {
  if (!state) return rule.capacity
  const elapsedMs = Math.max(0, nowMs - state.updatedMs)
  return Math.min(rule.capacity, state.tokens + (elapsedMs * rule.refillPerSec) / 1000)
}

/** Whole seconds until a bucket at `level` holds one token; at least 1 (the Retry-After header value). */
export function retryAfterSec(level: number, rule: BucketRule): number {
  return Math.max(1, Math.ceil((1 - level) / rule.refillPerSec))
}

/** True once a bucket has refilled to capacity, so forgetting it changes nothing. */
export function isFull(state: BucketState, rule: BucketRule, nowMs: number): boolean {
  return levelAt(state, rule, nowMs) >= rule.capacity
}

export interface BucketCheck {
  limitedBy: LimitedBy
  rule: BucketRule
  level: number
}

/**
 * All-or-nothing over several buckets: allowed only when every bucket holds a token. When denied, the wait is
 * the longest of the buckets that are short, and nothing may be taken.
 */
export function decide(checks: BucketCheck[]): RateDecision {
  let denied: { retryAfterSec: number; limitedBy: LimitedBy } | null = null
  for (const check of checks) {
    if (check.level >= 1) continue
    const wait = retryAfterSec(check.level, check.rule)
    if (!denied || wait > denied.retryAfterSec) denied = { retryAfterSec: wait, limitedBy: check.limitedBy }
  }
  return denied ? { allowed: false, ...denied } : { allowed: true }
}
