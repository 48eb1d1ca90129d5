import type { LeaderboardBoard } from './board'
import type { RankTracker } from './model'
import type { ScoreWriter } from './score-writer'
import { withDeadline } from '../ops/deadline'

/** Resolves to the promise's value, or to null when it fails or takes longer than `ms`. */
function withinBudget<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return withDeadline(promise, ms, () => new Error('rank budget spent')).catch(() => null)
}

/**
 * The RankTracker of the progress and overview features. With Redis, a submit goes through the coalescing
 * writer (null at once while Redis is down; the database stays the truth and the board is rebuilt later).
 * Without Redis the database is the board, so a submit only reads the rank. Never throws; never waits longer
 * than the budget.
 */
export class BoardRankTracker implements RankTracker {
  constructor(
    private readonly board: LeaderboardBoard,
    private readonly writer: ScoreWriter | null,
    private readonly budgetMs = 250,
  ) {}

  submit(userId: string, totalPoints: number): Promise<number | null> {
    if (this.writer) return withinBudget(this.writer.submit(userId, totalPoints), this.budgetMs + 50)
    return this.rankOf(userId, totalPoints)
  }

  rankOf(userId: string, totalPoints: number): Promise<number | null> {
    if (!Number.isFinite(totalPoints) || totalPoints <= 0) return Promise.resolve(null)
    return withinBudget(this.board.rankOf(userId, totalPoints), this.budgetMs)
  }
}
