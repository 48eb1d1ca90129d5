import type { ScoreStore } from '../storage/port'
import type { UserDirectory } from '../users/model'
import type { LeaderboardBoard } from './board'
import type { LeaderboardResponse } from './model'

export type LeaderboardQuery = { limit: number } & ({ offset: number } | { aroundUser: string })

/**
 * GET /leaderboard: the ordering from the board (Redis, or the database while Redis is unavailable), star
 * tokens from the database in one query, names from the user service within its time budget (null when
 * unknown: the page is never held up or failed by the user service).
 */
export class LeaderboardService {
  constructor(
    private readonly board: LeaderboardBoard,
    private readonly scores: ScoreStore,
    private readonly users: UserDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async read(query: LeaderboardQuery): Promise<LeaderboardResponse> {
    const page = 'aroundUser' in query ? await this.board.around(query.aroundUser, query.limit) : await this.board.page(query.offset, query.limit)
    const ids = page.entries.map((entry) => entry.userId)
    const [starTokens, profiles] = await Promise.all([this.scores.starTokensOf(ids), this.users.profiles(ids)])
    return {
      entries: page.entries.map((entry) => {
        const profile = profiles.get(entry.userId)
        return {
          user_id: entry.userId,
          score: entry.score,
          rank: entry.rank,
          star_tokens: starTokens.get(entry.userId) ?? 0,
          display_name: profile?.displayName ?? null,
          username: profile?.username ?? null,
        }
      }),
      total_players: page.totalPlayers,
      offset: page.offset,
      limit: query.limit,
      has_more: page.offset + page.entries.length < page.totalPlayers,
      generated_at: this.now().toISOString(),
    }
  }
}
