import type { Database } from 'bun:sqlite'
import { nextProgress, scoreDelta, starTokensAwarded } from '../../progress/rules'
import { IdempotencyKeyTaken } from '../errors'
import { serializeProgressResult } from '../progress-result'
import type {
  ProgressCommand,
  ProgressOutcome,
  ProgressResult,
  ProgressRowResult,
  ProgressStore,
  UserAchievementRecord,
  UserScoreRecord,
} from '../port'

interface ProgressRow {
  progress_current: number
  is_completed: number
  unlocked_at: number | null
  reward_points: number | null
  unlock_id: string | null
}

interface ScoreRow {
  total_points: number
  achievements_unlocked: number
  star_tokens: number
}

/**
 * SQLite: one process owns the file, and transactions are synchronous and immediate (a write lock from the
 * start), so reading, applying the pure rules and writing back is atomic. A batch is one transaction (one
 * fsync) with a savepoint per command, so a failing command rolls back alone.
 */
export class SqliteProgressStore implements ProgressStore {
  private readonly selectProgress
  private readonly upsertProgress
  private readonly selectScore
  private readonly upsertScore
  private readonly insertToken
  private readonly insertOutbox
  private readonly keyRecorded
  private readonly recordKey
  private readonly applyBatchTx
  /** Nested inside applyBatchTx, this runs as a savepoint. */
  private readonly applyOneTx

  constructor(private readonly client: Database) {
    this.applyOneTx = client.transaction((command: ProgressCommand) => this.applyOne(command))
    this.selectProgress = client.query<ProgressRow, [string, string]>(
      `select progress_current, is_completed, unlocked_at, reward_points, unlock_id
       from user_achievements where user_id = ? and achievement_id = ?`,
    )
    this.upsertProgress = client.query(
      `insert into user_achievements
         (user_id, achievement_id, progress_current, is_completed, unlocked_at, reward_points, unlock_id, created_at, updated_at)
       values ($user, $achievement, $progress, $completed, $unlockedAt, $reward, $unlockId, $now, $now)
       on conflict (user_id, achievement_id) do update set
         progress_current = excluded.progress_current, is_completed = excluded.is_completed,
         unlocked_at = excluded.unlocked_at, reward_points = excluded.reward_points, unlock_id = excluded.unlock_id,
         updated_at = excluded.updated_at`,
    )
    this.selectScore = client.query<ScoreRow, [string]>(
      'select total_points, achievements_unlocked, star_tokens from user_scores where user_id = ?',
    )
    this.upsertScore = client.query(
      `insert into user_scores (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
       values ($user, $total, $unlocked, $tokens, $now, $now)
       on conflict (user_id) do update set total_points = excluded.total_points,
         achievements_unlocked = excluded.achievements_unlocked, star_tokens = excluded.star_tokens,
         updated_at = excluded.updated_at`,
    )
    this.insertToken = client.query(
      'insert into star_token_ledger (user_id, token_index, score_at_award, awarded_at) values (?, ?, ?, ?)',
    )
    this.insertOutbox = client.query(
      `insert into notification_outbox (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta,
         star_tokens_awarded, metadata, status, attempts, next_attempt_at, created_at)
       values ($id, $user, $achievement, $code, $title, $reward, $delta, $tokens, $metadata, $status, 0, $now, $now)`,
    )
    this.keyRecorded = client.query<{ found: number }, [string, string]>(
      'select 1 as found from idempotency_keys where caller = ? and key = ?',
    )
    this.recordKey = client.query(
      `insert into idempotency_keys (caller, key, request_hash, state, result, locked_until, created_at)
       values ($caller, $key, $hash, 'done', $result, $now, $now)
       on conflict (caller, key) do update set state = 'done', result = excluded.result`,
    )
    this.applyBatchTx = client.transaction((commands: ProgressCommand[]) =>
      commands.map((command): ProgressOutcome => {
        try {
          return { ok: true, result: this.applyOneTx(command) }
        } catch (error) {
          return { ok: false, error }
        }
      }),
    )
  }


  private applyOne(command: ProgressCommand): ProgressResult {
    const key = command.idempotency
    if (key && !key.claimed && this.keyRecorded.get(key.caller, key.key)) throw new IdempotencyKeyTaken()
    const now = Date.now()
    const rows: ProgressRowResult[] = []
    const unlocked: { achievementId: string; code: string; title: string; points: number; unlockId: string }[] = []
    for (const update of command.updates) {
      const existing = this.selectProgress.get(command.userId, update.achievementId)
      const step = nextProgress(
        existing ? { progressCurrent: existing.progress_current, isCompleted: existing.is_completed === 1 } : null,
        update,
      )
      const unlockedAt = step.newlyUnlocked ? now : existing?.unlocked_at ?? null
      const rewardPoints = step.newlyUnlocked ? update.points : existing?.reward_points ?? null
      const unlockId = step.newlyUnlocked ? update.candidateUnlockId : existing?.unlock_id ?? null
      this.upsertProgress.run({
        user: command.userId,
        achievement: update.achievementId,
        progress: step.progressCurrent,
        completed: step.isCompleted ? 1 : 0,
        unlockedAt,
        reward: rewardPoints,
        unlockId,
        now,
      })
      if (step.newlyUnlocked) {
        unlocked.push({ achievementId: update.achievementId, code: update.code, title: update.title, points: update.points, unlockId: update.candidateUnlockId })
      }
      rows.push({
        achievementId: update.achievementId,
        progressCurrent: step.progressCurrent,
        isCompleted: step.isCompleted,
        unlockedAt: unlockedAt === null ? null : new Date(unlockedAt),
        rewardPoints,
        newlyUnlocked: step.newlyUnlocked,
      })
    }

    const before = this.selectScore.get(command.userId) ?? { total_points: 0, achievements_unlocked: 0, star_tokens: 0 }
    const delta = scoreDelta(unlocked.map((u) => u.points), command.scoreBonus)
    const total = before.total_points + delta
    const awarded = starTokensAwarded(before.total_points, total, command.step)
    const user: UserScoreRecord = {
      userId: command.userId,
      totalPoints: total,
      achievementsUnlocked: before.achievements_unlocked + unlocked.length,
      starTokens: before.star_tokens + awarded,
    }
    this.upsertScore.run({ user: command.userId, total, unlocked: user.achievementsUnlocked, tokens: user.starTokens, now })
    const firstThreshold = Math.floor(before.total_points / command.step)
    for (let k = 1; k <= awarded; k++) {
      this.insertToken.run(command.userId, before.star_tokens + k, (firstThreshold + k) * command.step, now)
    }
    const metadata = command.metadata === null ? null : JSON.stringify(command.metadata)
    for (const unlock of unlocked) {
      this.insertOutbox.run({
        id: unlock.unlockId,
        user: command.userId,
        achievement: unlock.achievementId,
        code: unlock.code,
        title: unlock.title,
        reward: unlock.points,
        delta,
        tokens: awarded,
        metadata,
        status: command.notify ? 'pending' : 'suppressed',
        now,
      })
    }
    const result: ProgressResult = { user, rows, scoreDelta: delta, starTokensAwarded: awarded }
    if (key) {
      // A claimed key's row exists (pending) and is marked done; a new key is inserted as done.
      this.recordKey.run({ caller: key.caller, key: key.key, hash: key.requestHash, result: serializeProgressResult(result), now })
    }
    return result
  }

  async applyBatch(commands: ProgressCommand[]): Promise<ProgressOutcome[]> {
    return this.applyBatchTx.immediate(commands)
  }

  async userScore(userId: string): Promise<UserScoreRecord | null> {
    const row = this.selectScore.get(userId)
    return row
      ? { userId, totalPoints: row.total_points, achievementsUnlocked: row.achievements_unlocked, starTokens: row.star_tokens }
      : null
  }

  async userAchievements(userId: string): Promise<UserAchievementRecord[]> {
    const rows = this.client
      .query<
        {
          achievement_id: string
          progress_current: number
          is_completed: number
          unlocked_at: number | null
          reward_points: number | null
          unlock_id: string | null
          updated_at: number
        },
        [string]
      >(
        `select achievement_id, progress_current, is_completed, unlocked_at, reward_points, unlock_id, updated_at
         from user_achievements where user_id = ? order by updated_at desc, achievement_id`,
      )
      .all(userId)
    return rows.map((row) => ({
      userId,
      achievementId: row.achievement_id,
      progressCurrent: row.progress_current,
      isCompleted: row.is_completed === 1,
      unlockedAt: row.unlocked_at === null ? null : new Date(row.unlocked_at),
      rewardPoints: row.reward_points,
      unlockId: row.unlock_id,
      updatedAt: new Date(row.updated_at),
    }))
  }

  async starTokenLedgerCount(userId: string): Promise<number> {
    return this.client.query<{ n: number }, [string]>('select count(*) as n from star_token_ledger where user_id = ?').get(userId)?.n ?? 0
  }
}
