import type { OutboxEntry } from '../storage/port'
import { notificationRequest } from './payload'
import { judgeResponse, parseRetryAfterMs } from './retry'

export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** Worth another attempt later (5xx, 408/429, timeout, connection refused or reset). */
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  /** Rejected for good (most 4xx): park. */
  | { kind: 'reject'; error: string }

export interface NotificationSender {
  /** Never throws; `signal` aborts the attempt (the dispatcher is stopping). */
  send(entry: OutboxEntry, signal: AbortSignal): Promise<DeliveryOutcome>
}

/** Delivers to `POST {baseUrl}/` with a timeout on every call. */
export class HttpNotificationSender implements NotificationSender {
  private readonly url: string

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.url = `${baseUrl.replace(/\/+$/, '')}/`
  }

  async send(entry: OutboxEntry, signal: AbortSignal): Promise<DeliveryOutcome> {
    const { body, headers } = notificationRequest(entry)
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        // A redirect would turn the POST into a GET; treat it as a failed attempt instead.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), signal]),
      })
      // The body is not needed; release the connection.
      await response.body?.cancel().catch(() => {})
      const verdict = judgeResponse(response.status)
      if (verdict === 'delivered') return { kind: 'delivered' }
      const error = `HTTP ${response.status}`
      if (verdict === 'reject') return { kind: 'reject', error }
      return { kind: 'retry', error, retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')) }
    } catch (error) {
      const name = error instanceof Error ? error.name : ''
      const message =
        name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : name === 'AbortError'
            ? 'aborted: dispatcher stopping'
            : `request failed: ${error instanceof Error ? error.message : String(error)}`
      return { kind: 'retry', error: message, retryAfterMs: null }
    }
  }
}
