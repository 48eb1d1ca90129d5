import { Type, type Static } from '@sinclair/typebox'
import { t } from 'elysia'
import { queryInteger } from '../http/query'

// Body schemas use TypeBox's own Integer/Boolean: JSON bodies must carry real numbers and booleans
// ("5" is a 422). Query schemas use Elysia's `t`, which coerces the query string's text.

export const ACHIEVEMENT_CODE_PATTERN = '^[a-z0-9][a-z0-9_.-]*$'
const NOT_BLANK = '\\S'
const HTTP_URL = '^https?://[^\\s/?#]+[^\\s]*$'

export const AchievementCode = Type.String({ minLength: 1, maxLength: 64, pattern: ACHIEVEMENT_CODE_PATTERN })

const title = Type.String({ minLength: 1, maxLength: 120, pattern: NOT_BLANK })
const description = Type.String({ maxLength: 2000 })
const points = Type.Integer({ minimum: 0, maximum: 10000 })
const nullableText = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()])
const iconUrl = Type.Union([Type.String({ maxLength: 500, pattern: HTTP_URL }), Type.Null()])
const progressTarget = Type.Integer({ minimum: 1, maximum: 1_000_000_000 })

export const AchievementCreate = Type.Object(
  {
    code: AchievementCode,
    title,
    description,
    points: Type.Optional({ ...points, default: 50 }),
    category: Type.Optional(nullableText(50)),
    rarity: Type.Optional(nullableText(30)),
    icon_url: Type.Optional(iconUrl),
    is_secret: Type.Optional(Type.Boolean({ default: false })),
    progress_target: Type.Optional({ ...progressTarget, default: 1 }),
    auto_claim: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false, title: 'AchievementCreate' },
)
export type AchievementCreate = Static<typeof AchievementCreate>

export const AchievementUpdate = Type.Object(
  {
    title: Type.Optional(title),
    description: Type.Optional(description),
    points: Type.Optional(points),
    category: Type.Optional(nullableText(50)),
    rarity: Type.Optional(nullableText(30)),
    icon_url: Type.Optional(iconUrl),
    is_secret: Type.Optional(Type.Boolean()),
    progress_target: Type.Optional(progressTarget),
    auto_claim: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, title: 'AchievementUpdate' },
)
export type AchievementUpdate = Static<typeof AchievementUpdate>

export const AchievementResponse = Type.Object(
  {
    id: Type.String(),
    code: Type.String(),
    title: Type.String(),
    description: Type.String(),
    points: Type.Integer(),
    category: Type.Union([Type.String(), Type.Null()]),
    rarity: Type.Union([Type.String(), Type.Null()]),
    icon_url: Type.Union([Type.String(), Type.Null()]),
    is_secret: Type.Boolean(),
    progress_target: Type.Integer(),
    auto_claim: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    unlock_count: Type.Integer(),
    unlock_percent: Type.Union([Type.Number(), Type.Null()]),
    progress_current: Type.Optional(Type.Integer({ description: 'Only with ?user_id=' })),
    is_completed: Type.Optional(Type.Boolean({ description: 'Only with ?user_id=' })),
    unlocked_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Only with ?user_id=' })),
  },
  { title: 'AchievementResponse' },
)
export type AchievementResponse = Static<typeof AchievementResponse>

export const USER_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$'
export const UserId = t.String({ minLength: 1, maxLength: 64, pattern: USER_ID_PATTERN })

// Unknown query parameters are ignored (as the replaced FastAPI service did: cache busters keep working);
// unknown body fields are a 422.
export const ListAchievementsQuery = t.Object(
  {
    skip: t.Optional(queryInteger('skip', { minimum: 0, maximum: 1_000_000, default: 0 })),
    limit: t.Optional(queryInteger('limit', { minimum: 1, maximum: 100, default: 50 })),
    // No NUL: no stored category holds one, and Postgres refuses it in a query parameter (a 500).
    category: t.Optional(t.String({ maxLength: 50, pattern: '^[^\\u0000]*$', description: 'Only achievements of this category (exact match)' })),
    user_id: t.Optional({ ...UserId, description: "Adds this player's progress and unmasks the secrets they unlocked" }),
  },
  { additionalProperties: true },
)

export const GetAchievementQuery = t.Object(
  { user_id: t.Optional({ ...UserId, description: "Adds this player's progress and unmasks a secret they unlocked" }) },
  { additionalProperties: true },
)

/** Any text: a code that cannot exist (wrong pattern, too long, undecodable) is the contract's 404, not a 422. */
export const AchievementCodeParams = t.Object({ code: t.String({ description: 'Achievement code' }) })

const codePattern = new RegExp(ACHIEVEMENT_CODE_PATTERN)
export function isAchievementCode(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 64 && codePattern.test(value)
}
