/**
 * The scoring rules, shared by every storage backend (the Postgres adapter states the same rules in SQL and
 * the contract suite checks both against these). Pure: no I/O, no clock.
 */

export interface ProgressState {
  progressCurrent: number
  isCompleted: boolean
}

export interface ProgressChange {
  progressTarget: number
  progressDelta: number
  /** Absolute count reported by the client: progress becomes at least this. */
  progressAtLeast: number | null
  forceComplete: boolean
}

export interface ProgressStep extends ProgressState {
  newlyUnlocked: boolean
}

/**
 * Next progress of one achievement. Once completed it is frozen (unlock once, ever). Otherwise progress never
 * goes down, except that it is clamped to the target in force (a target lowered below the current progress
 * completes the achievement at the new target).
 */
export function nextProgress(state: ProgressState | null, change: ProgressChange): ProgressStep {
  if (state?.isCompleted) return { progressCurrent: state.progressCurrent, isCompleted: true, newlyUnlocked: false }
  const current = state?.progressCurrent ?? 0
  const target = change.progressTarget
  const proposed = change.forceComplete ? target : Math.max(current + change.progressDelta, change.progressAtLeast ?? 0)
  const progressCurrent = Math.min(target, Math.max(current, proposed))
  const isCompleted = progressCurrent >= target
  return { progressCurrent, isCompleted, newlyUnlocked: isCompleted }
}

/** Tokens a change of total from `before` to `after` mints: floor(after/step) - floor(before/step). */
export function starTokensAwarded(before: number, after: number, step: number): number {
  return Math.floor(after / step) - Math.floor(before / step)
}

/** XP a request adds: the points of the achievements it newly unlocks plus its score bonus. */
export function scoreDelta(newlyUnlockedPoints: readonly number[], scoreBonus: number): number {
  return newlyUnlockedPoints.reduce((sum, points) => sum + points, 0) + scoreBonus
}

/** round(min(100, current / target * 100), 2) */
export function progressPercent(current: number, target: number): number {
  if (target <= 0) return 100
  return Math.round(Math.min(100, (current / target) * 100) * 100) / 100
}

export function pointsToNextStarToken(total: number, step: number): number {
  return step - (total % step)
}
