/** What the leaderboard shows of a player, from the user service. */
export interface UserProfile {
  username: string | null
  /** `display_name`, falling back to `full_name`. */
  displayName: string | null
}

/** Names for user ids. Never throws; an id missing from the answer is unknown (names null). */
export interface UserDirectory {
  profiles(userIds: readonly string[]): Promise<Map<string, UserProfile>>
}

/** Without USER_SERVICE_URL: names are null and nothing is called. */
export class NoUserDirectory implements UserDirectory {
  async profiles(): Promise<Map<string, UserProfile>> {
    return new Map()
  }
}
