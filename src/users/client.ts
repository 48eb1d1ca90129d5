import type { UserProfile } from './model'

/** The user service does not know the id (404): a definite answer, cached longer than a failure. */
export const USER_NOT_FOUND = 'not_found' as const

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null)

/** Reads the fields the leaderboard needs from a user-service user document. */
export function toUserProfile(document: unknown): UserProfile {
  const record = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {}
  return { username: text(record.username), displayName: text(record.display_name) ?? text(record.full_name) }
}

/** `GET {USER_SERVICE_URL}/api/v1/users/users/{id}`, with a timeout. Throws on anything but 200 or 404. */
export class UserServiceClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 1_000,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async fetchProfile(userId: string): Promise<UserProfile | typeof USER_NOT_FOUND> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v1/users/users/${encodeURIComponent(userId)}`
    const response = await this.fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    if (response.status === 404) {
      await response.body?.cancel()
      return USER_NOT_FOUND
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`user service answered ${response.status}`)
    }
    return toUserProfile(await response.json())
  }
}
