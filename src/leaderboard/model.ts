/**
 * What the progress and overview features need from the leaderboard. Implementations never throw and never
 * keep a request waiting more than a few hundred milliseconds: when the answer cannot be had, it is null.
 */
export interface RankTracker {
  /**
   * Records the player's absolute total after a committed write (coalesced with other writes) and returns the
   * player's competition rank as of this write, or null when it cannot be known.
   */
  submit(userId: string, totalPoints: number): Promise<number | null>
  /** The player's competition rank for a read, or null when unknown or the player has no score. */
  rankOf(userId: string, totalPoints: number): Promise<number | null>
}
