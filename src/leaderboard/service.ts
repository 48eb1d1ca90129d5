import type { ScoreStore } from '../storage/port'
import type { UserDirectory } from '../users/model'
import type { BoardPage, LeaderboardBoard } from './board'
import type { LeaderboardResponse } from './model'
import { PageCache } from './page-cache'

export type LeaderboardQuery = { limit: number } & ({ offset: number } | { aroundUser: string })

/** A leaderboard response, serialized once and served as is while it is cached. */
export interface RenderedLeaderboard {
  /** The LeaderboardResponse as JSON. */
  json: string
  /** The players on the page, in order. */
  userIds: readonly string[]
}

const pageKey = (offset: number, limit: number) => `${offset}:${limit}`

/**
 * GET /leaderboard: the ordering from the board (Redis, or the database while Redis is unavailable), star
 * tokens from the database in one query, names from the user service within its time budget (null when
 * unknown: the page is never held up or failed by the user service).
 *
 * Rendered pages are cached per (offset, limit) for a short TTL (see PageCache): a top page is read from the
 * board at most once per TTL per instance. An around_user request always resolves its window from the board,
 * then reuses the cached page of that window unless the cached page lacks a player the board has just put on it.
 */
export class LeaderboardService {
  /** Pages read from the board (tests and metrics). */
  boardReads = 0

  constructor(
    private readonly board: LeaderboardBoard,
    private readonly scores: ScoreStore,
    private readonly users: UserDirectory,
    private readonly cache: PageCache<RenderedLeaderboard> = new PageCache({ ttlMs: 0, maxEntries: 0 }),
    private readonly now: () => number = Date.now,
  ) {}

  read(query: LeaderboardQuery): Promise<RenderedLeaderboard> {
    if ('aroundUser' in query) return this.around(query.aroundUser, query.limit)
    const { offset, limit } = query
    return this.cache.get(pageKey(offset, limit), async () => {
      const readAt = this.now()
      this.boardReads += 1
      return this.render(await this.board.page(offset, limit), limit, readAt)
    })
  }

  private async around(userId: string, limit: number): Promise<RenderedLeaderboard> {
    const readAt = this.now()
    this.boardReads += 1
    const page = await this.board.around(userId, limit)
    const key = pageKey(page.offset, limit)
    const onPage = page.entries.some((entry) => entry.userId === userId)
    const cached = await this.cache.get(key, () => this.render(page, limit, readAt))
    if (!onPage || cached.userIds.includes(userId)) return cached
    // The player moved into this window after the cached page was read: the player must see itself.
    const fresh = await this.render(page, limit, readAt)
    this.cache.set(key, fresh, readAt)
    return fresh
  }

  private async render(page: BoardPage, limit: number, readAt: number): Promise<RenderedLeaderboard> {
    const ids = page.entries.map((entry) => entry.userId)
    const [starTokens, profiles] = await Promise.all([this.scores.starTokensOf(ids), this.users.profiles(ids)])
    const response: LeaderboardResponse = {
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
      limit,
      has_more: page.offset + page.entries.length < page.totalPlayers,
      generated_at: new Date(readAt).toISOString(),
    }
    return { json: JSON.stringify(response), userIds: ids }
  }
}
