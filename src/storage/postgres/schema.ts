import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

/**
 * A player id column: compared byte by byte (COLLATE "C") whatever the database's default collation, so that ties
 * on the leaderboard order as in the Redis board (which compares members byte by byte) and in SQLite, and so that
 * the hot path's index lookups compare ids with memcmp instead of the locale's rules.
 */
const playerId = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' })

const ts = (name: string) => timestamp(name, { precision: 3, withTimezone: true, mode: 'date' })

export const achievements = pgTable(
  'achievements',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    points: integer('points').notNull(),
    category: text('category'),
    rarity: text('rarity'),
    iconUrl: text('icon_url'),
    isSecret: boolean('is_secret').notNull(),
    progressTarget: integer('progress_target').notNull(),
    autoClaim: boolean('auto_claim').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('achievements_code_key').on(table.code),
    index('achievements_newest_idx').on(table.createdAt.desc(), table.code),
    index('achievements_category_newest_idx').on(table.category, table.createdAt.desc(), table.code),
  ],
)

export const userAchievements = pgTable(
  'user_achievements',
  {
    userId: playerId('user_id').notNull(),
    // No foreign key to achievements: the check would share-lock one of a few catalog rows for every new
    // progress row (a measured 11% of throughput). Achievements are never deleted, and every id written comes
    // from the catalog cache, so the reference cannot dangle.
    achievementId: uuid('achievement_id').notNull(),
    progressCurrent: integer('progress_current').notNull(),
    isCompleted: boolean('is_completed').notNull(),
    unlockedAt: ts('unlocked_at'),
    /** Points awarded at unlock (the definition's points then); null until unlocked. */
    rewardPoints: integer('reward_points'),
    /** Id of the unlock event; also the notification's Idempotency-Key. */
    unlockId: uuid('unlock_id'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (table) => [
    // No index on updated_at: every progress post changes it, and an indexed column would make each update
    // write new index entries (no HOT update). A player's rows are found by the primary key's prefix.
    primaryKey({ columns: [table.userId, table.achievementId] }),
    index('user_achievements_unlocked_idx').on(table.achievementId).where(sql`${table.isCompleted}`),
  ],
)

export const userScores = pgTable(
  'user_scores',
  {
    userId: playerId('user_id').primaryKey(),
    totalPoints: bigint('total_points', { mode: 'number' }).notNull(),
    achievementsUnlocked: integer('achievements_unlocked').notNull(),
    starTokens: integer('star_tokens').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (table) => [index('user_scores_ranking_idx').on(table.totalPoints.desc(), table.userId)],
)

export const starTokenLedger = pgTable(
  'star_token_ledger',
  {
    userId: playerId('user_id').notNull(),
    tokenIndex: integer('token_index').notNull(),
    /** Player total that minted the token (token_index * step at the time). */
    scoreAtAward: bigint('score_at_award', { mode: 'number' }).notNull(),
    awardedAt: ts('awarded_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.tokenIndex] })],
)

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    caller: text('caller').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** 'pending' while the first request runs, 'done' once its response is stored. */
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

export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    /** The unlock id: one entry per unlock, used as the delivery's Idempotency-Key. */
    id: uuid('id').primaryKey(),
    userId: playerId('user_id').notNull(),
    // No foreign key, for the same reason as user_achievements.achievement_id.
    achievementId: uuid('achievement_id').notNull(),
    achievementCode: text('achievement_code').notNull(),
    /** Definition title and points at unlock, and what the unlocking request added: the payload is built from these. */
    title: text('title').notNull(),
    rewardPoints: integer('reward_points').notNull(),
    scoreDelta: bigint('score_delta', { mode: 'number' }).notNull(),
    starTokensAwarded: integer('star_tokens_awarded').notNull(),
    /** The progress request's metadata, stored with the unlock event. */
    metadata: jsonb('metadata'),
    /** pending | delivered | parked | suppressed (notify=false). Without a notification service entries stay pending. */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lockedUntil: ts('locked_until'),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
  },
  // No unique index on (user_id, achievement_id): an unlock happens once per progress row (its row lock makes
  // is_completed flip once) and its id is this table's key, so one entry per unlock holds without it, and the
  // index cost every unlock an insert into a large index touched at random (a measured 4-6 % of the progress
  // statement's backend CPU).
  (table) => [
    index('notification_outbox_due_idx').on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
    index('notification_outbox_parked_idx').on(table.createdAt).where(sql`${table.status} = 'parked'`),
  ],
)
