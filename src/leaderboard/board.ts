import type { RankedPlayer } from './ranking'

/** One page of the ordering, with the size of the whole board. `offset` is where the page starts. */
export interface BoardPage {
  entries: RankedPlayer[]
  totalPlayers: number
  offset: number
}

/**
 * The leaderboard port: the ordering of every player with a score above zero. Two adapters give the same
 * answers for the same data: the Redis sorted set (RedisBoard) and the database itself (DatabaseBoard).
 */
export interface LeaderboardBoard {
  page(offset: number, limit: number): Promise<BoardPage>
  /** The page of `limit` entries holding the player (centred, shifted at the edges); the top page without a score. */
  around(userId: string, limit: number): Promise<BoardPage>
  /** Competition rank of `totalPoints` among the other players; null when it is not above zero. */
  rankOf(userId: string, totalPoints: number): Promise<number | null>
}

/** The Redis board is not known to be complete (flushed, restarted or being rebuilt): ask the database. */
export class BoardNotReadyError extends Error {
  constructor() {
    super('leaderboard cache is not ready')
  }
}
