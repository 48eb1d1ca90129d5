import type { UserProfile } from './model'

/** The user service does not know the id (404): a definite answer, cached longer than a failure. */
export const USER_NOT_FOUND = 'not_found' as const

const ACCEPT_JSON = { accept: 'application/json' }

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null)

/** Reads the fields the leaderboard needs from a user-service user document. */
export function toUserProfile(document: unknown): UserProfile {
  const record = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {}
  return { username: text(record.username), displayName: text(record.display_name) ?? text(record.full_name) }
}

/** `GET {USER_SERVICE_URL}/api/v1/users/users/{id}`, with a timeout. Throws on anything but 200 or 404. */
export class UserServiceClient {
  private readonly baseUrl: string

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 1_000,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
  }

  async fetchProfile(userId: string): Promise<UserProfile | typeof USER_NOT_FOUND> {
    const url = `${this.baseUrl}/api/v1/users/users/${encodeURIComponent(userId)}`
    // Not AbortSignal.timeout: its timer, signal and TimeoutError outlive every finished call by the full
    // timeout, which at thousands of lookups a second kept tens of thousands of them alive (RSS).
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(new Error(`user service did not answer within ${this.timeoutMs} ms`)), this.timeoutMs)
    try {
      const response = await this.fetchImpl(url, { headers: ACCEPT_JSON, signal: abort.signal })
      if (response.status === 404) {
        await response.body?.cancel()
        return USER_NOT_FOUND
      }
      if (!response.ok) {
        await response.body?.cancel()
        throw new Error(`user service answered ${response.status}`)
      }
      return toUserProfile(await response.json())
    } finally {
      clearTimeout(timer)
    }
  }
}
