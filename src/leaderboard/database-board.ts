import type { ScoreStore } from '../storage/port'
import type { BoardPage, LeaderboardBoard } from './board'
import { aroundWindowStart, rankFromAbove, rankPage } from './ranking'

/** The leaderboard served by the database, over the indexed `ORDER BY total_points DESC, user_id`. */
export class DatabaseBoard implements LeaderboardBoard {
  constructor(private readonly scores: ScoreStore) {}

  async page(offset: number, limit: number): Promise<BoardPage> {
    const [entries, totalPlayers] = await Promise.all([this.scores.page(offset, limit), this.scores.count()])
    const first = entries[0]
    const aboveFirst = first ? await this.scores.countAbove(first.totalPoints) : 0
    return {
      entries: rankPage(
        entries.map((entry) => ({ userId: entry.userId, score: entry.totalPoints })),
        offset,
        aboveFirst,
      ),
      totalPlayers,
      offset,
    }
  }

  async around(userId: string, limit: number): Promise<BoardPage> {
    const [me, totalPlayers] = await Promise.all([this.scores.positionOf(userId), this.scores.count()])
    return this.page(aroundWindowStart(me?.position ?? null, limit, totalPlayers), limit)
  }

  /** Counts every player above the total: callers pass the player's committed (current) total. */
  async rankOf(_userId: string, totalPoints: number): Promise<number | null> {
    if (totalPoints <= 0) return null
    return rankFromAbove(await this.scores.countAbove(totalPoints))
  }
}
