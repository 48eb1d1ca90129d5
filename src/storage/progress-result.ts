import type { ProgressResult, UserScoreRecord } from './port'

/**
 * The JSON form of a ProgressResult: what the Postgres statement returns and what an idempotency key stores
 * as the applied outcome (so a retry after a crash answers from it instead of applying again).
 */
interface StoredRow {
  achievementId: string
  progressCurrent: number
  isCompleted: boolean
  unlockedAt: string | null
  rewardPoints: number | null
  newlyUnlocked: boolean
}

interface StoredResult {
  user: UserScoreRecord
  scoreDelta: number
  starTokensAwarded: number
  rows: StoredRow[]
}

export function serializeProgressResult(result: ProgressResult): string {
  const stored: StoredResult = {
    user: result.user,
    scoreDelta: result.scoreDelta,
    starTokensAwarded: result.starTokensAwarded,
    rows: result.rows.map((row) => ({ ...row, unlockedAt: row.unlockedAt?.toISOString() ?? null })),
  }
  return JSON.stringify(stored)
}

/** Parses a stored outcome; rows come back in `order` (achievement ids, the command's update order). */
export function parseProgressResult(text: string, order: readonly string[]): ProgressResult {
  const stored = JSON.parse(text) as StoredResult
  const byId = new Map(stored.rows.map((row) => [row.achievementId, row]))
  return {
    user: {
      userId: stored.user.userId,
      totalPoints: Number(stored.user.totalPoints),
      achievementsUnlocked: stored.user.achievementsUnlocked,
      starTokens: stored.user.starTokens,
    },
    scoreDelta: Number(stored.scoreDelta),
    starTokensAwarded: stored.starTokensAwarded,
    rows: order.map((id) => {
      const row = byId.get(id)
      if (!row) throw new Error(`progress result lacks achievement ${id}`)
      return { ...row, unlockedAt: row.unlockedAt ? new Date(row.unlockedAt) : null }
    }),
  }
}
