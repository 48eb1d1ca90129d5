import { t } from 'elysia'
import { UserId } from '../catalog/model'
import { queryInteger } from '../http/query'

/**
 * What the progress and overview features need from the leaderboard. Implementations never throw and never
 * keep a request waiting more than a few hundred milliseconds: when the answer cannot be had, it is null.
 */
export interface RankTracker {
  /**
   * Records the player's absolute total after a committed write (coalesced with other writes) and returns the
   * player's competition rank as of this write, or null when it cannot be known.
   */
  submit(userId: string, totalPoints: number): Promise<number | null>
  /** The player's competition rank for a read, or null when unknown or the player has no score. */
  rankOf(userId: string, totalPoints: number): Promise<number | null>
}

// ---- HTTP models ---------------------------------------------------------------------------------


export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100
const MAX_OFFSET = 1_000_000_000

export const LeaderboardQuery = t.Object(
  {
    limit: t.Optional(queryInteger('limit', { minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
    offset: t.Optional(queryInteger('offset', { minimum: 0, maximum: MAX_OFFSET, default: 0, description: 'Ignored with around_user' })),
    around_user: t.Optional({ ...UserId, description: 'Return the page of `limit` entries that holds this player' }),
  },
  // Unknown parameters are ignored, as on every read (cache busters keep working).
  { additionalProperties: true },
)

export const LeaderboardEntry = t.Object(
  {
    user_id: t.String(),
    score: t.Integer(),
    rank: t.Integer({ description: 'Competition rank: 1 + players with a strictly higher score' }),
    star_tokens: t.Integer(),
    display_name: t.Union([t.String(), t.Null()]),
    username: t.Union([t.String(), t.Null()]),
  },
  { title: 'LeaderboardEntry' },
)
export type LeaderboardEntry = typeof LeaderboardEntry.static

export const LeaderboardResponse = t.Object(
  {
    entries: t.Array(LeaderboardEntry),
    total_players: t.Integer({ description: 'Players with a score above zero' }),
    offset: t.Integer(),
    limit: t.Integer(),
    has_more: t.Boolean(),
    generated_at: t.String({ format: 'date-time' }),
  },
  { title: 'LeaderboardResponse' },
)
export type LeaderboardResponse = typeof LeaderboardResponse.static

export const RebuildResponse = t.Object(
  {
    status: t.Union([t.Literal('rebuilt'), t.Literal('not_needed')]),
    players: t.Union([t.Integer(), t.Null()], { description: 'Players written to the board' }),
    duration_ms: t.Union([t.Integer(), t.Null()]),
  },
  { title: 'LeaderboardRebuild' },
)
