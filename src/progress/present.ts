import { SECRET_TITLE } from '../catalog/service'
import type { AchievementRecord } from '../storage/port'
import type { UserAchievementProgress, UserSummary } from './model'
import { progressPercent } from './rules'

/** A stable id for a player's progress on one achievement (a name-based UUID of the pair). */
export function progressId(userId: string, achievementId: string): string {
  const hex = Bun.SHA1.hash(`${userId}\u0000${achievementId}`, 'hex')
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`
}

export interface ProgressRowView {
  progressCurrent: number
  isCompleted: boolean
  unlockedAt: Date | null
  rewardPoints: number | null
  newlyUnlocked: boolean
}

/**
 * One player's progress on one achievement. A secret achievement the player has not unlocked shows as
 * "Hidden achievement" unless the reader is an admin.
 */
export function presentProgress(
  userId: string,
  definition: AchievementRecord,
  row: ProgressRowView,
  admin: boolean,
): UserAchievementProgress {
  const masked = definition.isSecret && !row.isCompleted && !admin
  return {
    id: progressId(userId, definition.id),
    user_id: userId,
    achievement_code: definition.code,
    achievement_title: masked ? SECRET_TITLE : definition.title,
    progress_current: row.progressCurrent,
    progress_target: definition.progressTarget,
    is_completed: row.isCompleted,
    unlocked_at: row.unlockedAt?.toISOString() ?? null,
    reward_points: row.isCompleted && row.rewardPoints !== null ? row.rewardPoints : definition.points,
    // A completed achievement is 100 % even if its target was raised after the unlock.
    progress_percent: row.isCompleted ? 100 : progressPercent(row.progressCurrent, definition.progressTarget),
    newly_unlocked: row.newlyUnlocked,
  }
}

export function presentUser(
  user: { userId: string; totalPoints: number; achievementsUnlocked: number; starTokens: number },
  rank: number | null,
): UserSummary {
  return {
    user_id: user.userId,
    total_points: user.totalPoints,
    achievements_unlocked: user.achievementsUnlocked,
    star_tokens: user.starTokens,
    leaderboard_rank: rank,
  }
}
