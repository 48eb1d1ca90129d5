/** One token bucket: holds at most `capacity` tokens, refilled continuously at `refillPerSec`. */
export interface BucketRule {
  capacity: number
  refillPerSec: number
}

/** Which buckets a progress post draws from; null = that limit is off. */
export interface RateLimitRules {
  player: BucketRule | null
  caller: BucketRule | null
}

export type LimitedBy = 'player' | 'caller'

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSec: number; limitedBy: LimitedBy }

export interface RateLimiter {
  /**
   * Takes one token from the player's bucket and, when `callerKey` is given and a caller limit is configured,
   * one from the caller's bucket — both or neither: a rejected take consumes nothing.
   */
  take(playerId: string, callerKey: string | null): Promise<RateDecision>
}

export const ALLOWED: RateDecision = { allowed: true }

/** No limits configured. */
export const UNLIMITED: RateLimiter = { take: async () => ALLOWED }
