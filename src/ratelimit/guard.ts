import type { Caller } from '../auth/model'
import { ApiError } from '../http/errors'
import type { RateLimiter } from './model'

/** The per-caller bucket key: the token's subject; anonymous callers draw only from the player's bucket. */
export function rateLimitCallerKey(caller: Caller): string | null {
  return caller.authenticated ? caller.subject : null
}

export function rateLimited(retryAfterSec: number, limitedBy: 'player' | 'caller'): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterSec))
  const whose = limitedBy === 'player' ? 'this player' : 'this caller'
  return new ApiError(429, 'rate_limited', `Too many progress updates for ${whose}; retry in ${seconds} s`, {
    'retry-after': String(seconds),
  })
}

/**
 * Takes one progress post from the player's (and caller's) bucket or throws the 429 ApiError with Retry-After.
 * Call it after authorization (an unauthorized request must not drain a player's bucket) and before any write.
 */
export async function enforceRateLimit(limiter: RateLimiter, playerId: string, caller: Caller): Promise<void> {
  const decision = await limiter.take(playerId, rateLimitCallerKey(caller))
  if (!decision.allowed) throw rateLimited(decision.retryAfterSec, decision.limitedBy)
}
