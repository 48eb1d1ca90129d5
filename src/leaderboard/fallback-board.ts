import { BoardNotReadyError, type BoardPage, type LeaderboardBoard } from './board'

/**
 * The Redis board while it is trusted, else the database; any Redis failure falls back to the database for
 * that call, so a read never fails because of Redis.
 */
export class FallbackBoard implements LeaderboardBoard {
  constructor(
    private readonly primary: LeaderboardBoard,
    private readonly fallback: LeaderboardBoard,
    private readonly primaryTrusted: () => boolean,
    private readonly onPrimaryNotReady: () => void,
  ) {}

  page(offset: number, limit: number): Promise<BoardPage> {
    return this.attempt((board) => board.page(offset, limit))
  }

  around(userId: string, limit: number): Promise<BoardPage> {
    return this.attempt((board) => board.around(userId, limit))
  }

  rankOf(userId: string, totalPoints: number): Promise<number | null> {
    return this.attempt((board) => board.rankOf(userId, totalPoints))
  }

  private async attempt<T>(call: (board: LeaderboardBoard) => Promise<T>): Promise<T> {
    if (this.primaryTrusted()) {
      try {
        return await call(this.primary)
      } catch (error) {
        if (error instanceof BoardNotReadyError) this.onPrimaryNotReady()
      }
    }
    return call(this.fallback)
  }
}
