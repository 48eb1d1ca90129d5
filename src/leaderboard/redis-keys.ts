/** Keys of one leaderboard in Redis, all derived from LEADERBOARD_KEY. */
export interface BoardKeys {
  /** The sorted set: member = user id, score = total points (> 0). */
  board: string
  /** Set when a rebuild completes, to the Redis run_id it was built on: absent ⇒ the board is not known complete. */
  marker: string
  /** Held during a rebuild, value = the temporary key being filled; writers also write there meanwhile. */
  rebuild: string
}

export function boardKeys(key: string): BoardKeys {
  return { board: key, marker: `${key}:marker`, rebuild: `${key}:rebuild` }
}

export function temporaryBoardKey(keys: BoardKeys): string {
  return `${keys.rebuild}:${crypto.randomUUID()}`
}

/** How long a rebuild's lock and temporary key live without being refreshed (a crashed rebuild cleans up). */
export const REBUILD_LEASE_MS = 60_000
