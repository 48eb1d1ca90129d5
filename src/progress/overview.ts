import type { CatalogCache } from '../catalog/cache'
import type { RankTracker } from '../leaderboard/model'
import type { ProgressStore, UserAchievementRecord } from '../storage/port'
import type { OverviewResponse, UserAchievementProgress } from './model'
import { presentProgress, presentUser } from './present'
import { pointsToNextStarToken } from './rules'

export const RECENT_UNLOCKS = 5

/** A player's summary and progress. Reads only: an unknown player gets zeros. */
export class OverviewService {
  constructor(
    private readonly store: ProgressStore,
    private readonly catalog: CatalogCache,
    private readonly rankTracker: RankTracker,
    private readonly step: number,
  ) {}

  async overview(userId: string, admin: boolean): Promise<OverviewResponse> {
    const [score, rows] = await Promise.all([this.store.userScore(userId), this.store.userAchievements(userId)])
    const user = score ?? { userId, totalPoints: 0, achievementsUnlocked: 0, starTokens: 0 }
    const rank = score && score.totalPoints > 0 ? await this.rankTracker.rankOf(userId, score.totalPoints) : null
    const achievements = await this.present(userId, rows, admin)
    const recent = achievements
      .filter((item) => item.is_completed && item.unlocked_at !== null)
      .sort((a, b) => (a.unlocked_at! < b.unlocked_at! ? 1 : a.unlocked_at! > b.unlocked_at! ? -1 : 0))
      .slice(0, RECENT_UNLOCKS)
    return {
      user: presentUser(user, rank),
      achievements,
      recent_unlocked: recent,
      leaderboard_score: user.totalPoints,
      leaderboard_rank: rank,
      star_token_step: this.step,
      points_to_next_star_token: pointsToNextStarToken(user.totalPoints, this.step),
    }
  }

  private async present(userId: string, rows: UserAchievementRecord[], admin: boolean): Promise<UserAchievementProgress[]> {
    // A definition missing from this instance's cache was created elsewhere a moment ago: reload once.
    if (rows.some((row) => !this.catalog.byId(row.achievementId))) await this.catalog.reload()
    return rows.flatMap((row) => {
      const definition = this.catalog.byId(row.achievementId)
      return definition ? [presentProgress(userId, definition, { ...row, newlyUnlocked: false }, admin)] : []
    })
  }
}
