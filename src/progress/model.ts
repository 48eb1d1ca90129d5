import { Type, type Static } from '@sinclair/typebox'
import { t } from 'elysia'
import { UserId } from '../catalog/model'

export const MAX_METADATA_BYTES = 2048
export const MAX_UPDATES = 50

// Codes are looked up, not pattern-checked: an unknown or malformed code is the contract's 404.
const code = Type.String({ minLength: 1, maxLength: 64 })
const progressDelta = Type.Integer({ minimum: 0, maximum: 100_000 })
const progressAtLeast = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })

export const ProgressUpdateItem = Type.Object(
  {
    achievement_code: code,
    progress_delta: Type.Optional({ ...progressDelta, description: 'Default 1, or 0 when progress_at_least is given' }),
    progress_at_least: Type.Optional({ ...progressAtLeast, description: 'Progress becomes max(current, value)' }),
    force_complete: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false, title: 'ProgressUpdateItem' },
)

export const ProgressRequest = Type.Object(
  {
    achievement_code: Type.Optional(code),
    progress_delta: Type.Optional({ ...progressDelta, description: 'Default 1, or 0 when progress_at_least is given' }),
    progress_at_least: Type.Optional({ ...progressAtLeast, description: 'Extension: the batch item field, also in the single form' }),
    force_complete: Type.Optional(Type.Boolean({ default: false })),
    updates: Type.Optional(Type.Array(ProgressUpdateItem, { minItems: 1, maxItems: MAX_UPDATES })),
    score_bonus: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000, default: 0 })),
    notify: Type.Optional(Type.Boolean({ default: true })),
    metadata: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description: `At most ${MAX_METADATA_BYTES} bytes serialized; stored with the unlock event`,
      }),
    ),
  },
  { additionalProperties: false, title: 'ProgressRequest' },
)
export type ProgressRequest = Static<typeof ProgressRequest>

export const UserSummary = Type.Object(
  {
    user_id: Type.String(),
    total_points: Type.Integer(),
    achievements_unlocked: Type.Integer(),
    star_tokens: Type.Integer(),
    leaderboard_rank: Type.Union([Type.Integer(), Type.Null()]),
  },
  { title: 'UserSummary' },
)
export type UserSummary = Static<typeof UserSummary>

export const UserAchievementProgress = Type.Object(
  {
    id: Type.String(),
    user_id: Type.String(),
    achievement_code: Type.String(),
    achievement_title: Type.String(),
    progress_current: Type.Integer(),
    progress_target: Type.Integer(),
    is_completed: Type.Boolean(),
    unlocked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    reward_points: Type.Integer(),
    progress_percent: Type.Number(),
    newly_unlocked: Type.Boolean(),
  },
  { title: 'UserAchievementProgress' },
)
export type UserAchievementProgress = Static<typeof UserAchievementProgress>

export const ProgressResponse = Type.Object(
  {
    user: UserSummary,
    achievement: Type.Union([UserAchievementProgress, Type.Null()]),
    progress: Type.Array(UserAchievementProgress),
    newly_unlocked: Type.Array(Type.String()),
    star_tokens_awarded: Type.Integer(),
    score_delta: Type.Integer(),
    leaderboard_score: Type.Integer(),
  },
  { title: 'ProgressResponse' },
)
export type ProgressResponse = Static<typeof ProgressResponse>

export const OverviewResponse = Type.Object(
  {
    user: UserSummary,
    achievements: Type.Array(UserAchievementProgress),
    recent_unlocked: Type.Array(UserAchievementProgress),
    leaderboard_score: Type.Integer(),
    leaderboard_rank: Type.Union([Type.Integer(), Type.Null()]),
    star_token_step: Type.Integer(),
    points_to_next_star_token: Type.Integer(),
  },
  { title: 'OverviewResponse' },
)
export type OverviewResponse = Static<typeof OverviewResponse>

export const UserParams = t.Object({ user_id: UserId })
