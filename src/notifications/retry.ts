/** Pure delivery rules: how a response is judged and how long to wait before the next attempt. */

export type ResponseVerdict = 'delivered' | 'retry' | 'reject'

/** Client errors that say "not now" rather than "never": retried like server errors. */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 409, 425, 429])

/**
 * 2xx: delivered. A 4xx other than 408/409/425/429: the service rejected this request, and sending the
 * same bytes again cannot change that, so the entry is parked at once (kept for an operator).
 * Everything else (3xx, 5xx, and any other status): retried.
 */
export function judgeResponse(status: number): ResponseVerdict {
  if (status >= 200 && status < 300) return 'delivered'
  if (status >= 400 && status < 500 && !RETRYABLE_CLIENT_ERRORS.has(status)) return 'reject'
  return 'retry'
}

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay; doubles with every attempt. */
  baseDelayMs: number
  /** No retry waits longer than this. */
  maxDelayMs: number
}

/**
 * Exponential backoff with full jitter: uniform in [0, min(maxDelay, baseDelay * 2^(attempt-1))],
 * where `attempt` counts the attempts made so far (1 after the first failure). A server's Retry-After
 * is honoured as a floor, still capped at maxDelay.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
  retryAfterMs: number | null = null,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 40)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent)
  const jittered = Math.floor(random() * ceiling)
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0))
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}
