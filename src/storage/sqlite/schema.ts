import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Timestamps are epoch milliseconds; booleans are 0/1; JSON is text.
const ts = (name: string) => integer(name, { mode: 'timestamp_ms' })
const bool = (name: string) => integer(name, { mode: 'boolean' })

export const achievements = sqliteTable(
  'achievements',
  {
    id: text('id').primaryKey(),
    code: text('code').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    points: integer('points').notNull(),
    category: text('category'),
    rarity: text('rarity'),
    iconUrl: text('icon_url'),
    isSecret: bool('is_secret').notNull(),
    progressTarget: integer('progress_target').notNull(),
    autoClaim: bool('auto_claim').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('achievements_code_key').on(table.code),
    index('achievements_newest_idx').on(sql`${table.createdAt} desc`, table.code),
    index('achievements_category_newest_idx').on(table.category, sql`${table.createdAt} desc`, table.code),
  ],
)

export const userAchievements = sqliteTable(
  'user_achievements',
  {
    userId: text('user_id').notNull(),
    achievementId: text('achievement_id')
      .notNull()
      .references(() => achievements.id),
    progressCurrent: integer('progress_current').notNull(),
    isCompleted: bool('is_completed').notNull(),
    unlockedAt: ts('unlocked_at'),
    rewardPoints: integer('reward_points'),
    unlockId: text('unlock_id'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.achievementId] }),
    index('user_achievements_unlocked_idx').on(table.achievementId).where(sql`${table.isCompleted} = 1`),
  ],
)

export const userScores = sqliteTable(
  'user_scores',
  {
    userId: text('user_id').primaryKey(),
    totalPoints: integer('total_points').notNull(),
    achievementsUnlocked: integer('achievements_unlocked').notNull(),
    starTokens: integer('star_tokens').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (table) => [index('user_scores_ranking_idx').on(sql`${table.totalPoints} desc`, table.userId)],
)

export const starTokenLedger = sqliteTable(
  'star_token_ledger',
  {
    userId: text('user_id').notNull(),
    tokenIndex: integer('token_index').notNull(),
    scoreAtAward: integer('score_at_award').notNull(),
    awardedAt: ts('awarded_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.tokenIndex] })],
)

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    caller: text('caller').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state').notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    /** The applied outcome, written in the work's own transaction, so a retry after a crash never re-applies. */
    result: text('result'),
    lockedUntil: ts('locked_until').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.caller, table.key] }), index('idempotency_keys_created_idx').on(table.createdAt)],
)

export const notificationOutbox = sqliteTable(
  'notification_outbox',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    achievementId: text('achievement_id')
      .notNull()
      .references(() => achievements.id),
    achievementCode: text('achievement_code').notNull(),
    /** Definition title and points at unlock, and what the unlocking request added: the payload is built from these. */
    title: text('title').notNull(),
    rewardPoints: integer('reward_points').notNull(),
    scoreDelta: integer('score_delta').notNull(),
    starTokensAwarded: integer('star_tokens_awarded').notNull(),
    metadata: text('metadata'),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lockedUntil: ts('locked_until'),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
  },
  (table) => [
    uniqueIndex('notification_outbox_unlock_key').on(table.userId, table.achievementId),
    index('notification_outbox_due_idx').on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
    index('notification_outbox_parked_idx').on(table.createdAt).where(sql`${table.status} = 'parked'`),
  ],
)
