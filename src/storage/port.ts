/**
 * The storage port: everything the features need from a database, implemented once for Postgres
 * (src/storage/postgres) and once for SQLite (src/storage/sqlite). One contract test suite runs against both.
 */

export interface AchievementRecord {
  id: string
  code: string
  title: string
  description: string
  points: number
  category: string | null
  rarity: string | null
  iconUrl: string | null
  isSecret: boolean
  progressTarget: number
  autoClaim: boolean
  createdAt: Date
  updatedAt: Date
}

export type NewAchievement = Omit<AchievementRecord, 'id' | 'createdAt' | 'updatedAt'>
export type AchievementPatch = Partial<Omit<NewAchievement, 'code'>>

export interface UserAchievementRecord {
  userId: string
  achievementId: string
  progressCurrent: number
  isCompleted: boolean
  unlockedAt: Date | null
  /** Points awarded at unlock; null until unlocked. */
  rewardPoints: number | null
  unlockId: string | null
  updatedAt: Date
}

export interface UserScoreRecord {
  userId: string
  totalPoints: number
  achievementsUnlocked: number
  starTokens: number
}

export interface RarityStats {
  /** achievement id → players who unlocked it */
  unlockCounts: Map<string, number>
  /** players with any progress row */
  players: number
}

export interface CatalogStore {
  /** Returns null when the code already exists. */
  create(input: NewAchievement): Promise<AchievementRecord | null>
  list(query: { skip: number; limit: number; category?: string | undefined }): Promise<AchievementRecord[]>
  getByCode(code: string): Promise<AchievementRecord | null>
  /** Returns null when the code does not exist. An empty patch returns the record unchanged. */
  update(code: string, patch: AchievementPatch): Promise<AchievementRecord | null>
  all(): Promise<AchievementRecord[]>
  rarity(): Promise<RarityStats>
}

// ---- progress ----------------------------------------------------------------------------------

/** One achievement update inside a progress command, with the definition resolved from the cache. */
export interface ProgressUpdateInput {
  achievementId: string
  code: string
  /** Title and points and target of the definition in force when the request was accepted. */
  title: string
  points: number
  progressTarget: number
  progressDelta: number
  progressAtLeast: number | null
  forceComplete: boolean
  /** Id the unlock gets if this update unlocks the achievement (outbox id and notification Idempotency-Key). */
  candidateUnlockId: string
}

export interface ProgressCommand {
  userId: string
  /** At most one update per achievement. */
  updates: ProgressUpdateInput[]
  scoreBonus: number
  /** false: new unlocks are recorded in the outbox as 'suppressed' instead of 'pending'. */
  notify: boolean
  metadata: Record<string, unknown> | null
  step: number
  /**
   * The post's Idempotency-Key, recorded as done, with the outcome, in the work's own transaction. Unless `claimed`
   * (the caller already holds the key as a pending claim), a key that is already recorded makes the command fail
   * with IdempotencyKeyTaken, having applied nothing.
   */
  idempotency: { caller: string; key: string; requestHash: string; claimed: boolean } | null
}

export interface ProgressRowResult {
  achievementId: string
  progressCurrent: number
  isCompleted: boolean
  unlockedAt: Date | null
  rewardPoints: number | null
  newlyUnlocked: boolean
}

export interface ProgressResult {
  user: UserScoreRecord
  /** In the command's update order. */
  rows: ProgressRowResult[]
  scoreDelta: number
  starTokensAwarded: number
}

export type ProgressOutcome = { ok: true; result: ProgressResult } | { ok: false; error: unknown }

export interface ProgressStore {
  /**
   * Applies the commands in order (per player order preserved), in as few transactions as it can.
   * Each command is all-or-nothing; a failing command never fails the others.
   */
  applyBatch(commands: ProgressCommand[]): Promise<ProgressOutcome[]>
  userScore(userId: string): Promise<UserScoreRecord | null>
  /** Most recent progress first. */
  userAchievements(userId: string): Promise<UserAchievementRecord[]>
  starTokenLedgerCount(userId: string): Promise<number>
}

// ---- idempotency -------------------------------------------------------------------------------

export type IdempotencyClaim =
  | { kind: 'claimed' }
  /** body: the stored response; result: the applied outcome (JSON), present even if the body was never stored. */
  | { kind: 'replay'; status: number; body: string | null; result: string | null }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' }

/** The response sent for a key whose work committed, kept for the key's replays. */
export interface StoredResponse {
  caller: string
  key: string
  status: number
  body: string
}

export interface IdempotencyStore {
  /** Claims the key for this request, or says why not. An abandoned claim (lease expired) is taken over. */
  claim(caller: string, key: string, requestHash: string, leaseMs: number): Promise<IdempotencyClaim>
  /** Stores the responses sent for keys whose work committed, any number in one call. */
  complete(responses: readonly StoredResponse[]): Promise<void>
  /** Drops a claim whose work did not commit, so that a retry runs it. */
  release(caller: string, key: string): Promise<void>
  /** Deletes keys created before the given time; returns how many. */
  prune(createdBefore: Date): Promise<number>
}

// ---- notification outbox -----------------------------------------------------------------------

export interface OutboxEntry {
  id: string
  userId: string
  achievementCode: string
  title: string
  rewardPoints: number
  scoreDelta: number
  starTokensAwarded: number
  metadata: Record<string, unknown> | null
  attempts: number
  createdAt: Date
}

export interface OutboxStats {
  pending: number
  parked: number
  oldestPendingAt: Date | null
}

export interface OutboxStore {
  /** Leases up to `limit` due pending entries to `owner`; no other owner gets them until the lease ends. */
  claimDue(owner: string, limit: number, leaseMs: number): Promise<OutboxEntry[]>
  markDelivered(id: string, owner: string): Promise<void>
  /** Records a failed attempt; retryAt null parks the entry (kept, counted, never retried automatically). */
  markFailed(id: string, owner: string, error: string, retryAt: Date | null): Promise<void>
  stats(): Promise<OutboxStats>
  /** Every entry for a player (tests and operators; on Postgres a scan of the outbox, which has no index by player). */
  forUser(userId: string): Promise<(OutboxEntry & { status: string })[]>
}

// ---- scores (leaderboard source of truth) ------------------------------------------------------

export interface ScoreEntry {
  userId: string
  totalPoints: number
}

export interface ScoreStore {
  /** Players with total_points > 0, score descending then user_id ascending. */
  page(offset: number, limit: number): Promise<ScoreEntry[]>
  count(): Promise<number>
  /** Players with a strictly higher score. */
  countAbove(score: number): Promise<number>
  /** 0-based position of the player in the ordering, or null when the player has no score. */
  positionOf(userId: string): Promise<{ score: number; position: number } | null>
  starTokensOf(userIds: string[]): Promise<Map<string, number>>
  /** All players with a score, in user_id order after `afterUserId`, for rebuilding caches in chunks. */
  scan(afterUserId: string | null, limit: number): Promise<ScoreEntry[]>
}

// ---- the whole port ----------------------------------------------------------------------------

export interface Storage {
  readonly dialect: 'postgres' | 'sqlite'
  readonly catalog: CatalogStore
  readonly progress: ProgressStore
  readonly idempotency: IdempotencyStore
  readonly outbox: OutboxStore
  readonly scores: ScoreStore
  /** Throws when the database does not answer. */
  ping(): Promise<void>
  /** Calls the listener whenever any instance changes the catalog. Returns the unsubscribe function. */
  onCatalogChange(listener: () => void): () => void
  close(): Promise<void>
}
