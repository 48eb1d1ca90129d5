import { isStorageUnavailable } from '../errors'
import type {
  ProgressCommand,
  ProgressOutcome,
  ProgressStore,
  UserAchievementRecord,
  UserScoreRecord,
} from '../port'
import { asDate, asNullableDate, type PgSql } from './connection'
import { parseProgressResult } from '../progress-result'

/**
 * One progress command as ONE statement: the progress upserts, the score update, the star-token ledger, the
 * outbox entries for new unlocks and the idempotency mark, all in a data-modifying CTE. No value is read into
 * the application and written back, so concurrent commands for one player (on any instance) serialize on the
 * row locks and never lose an update, unlock twice or mint a token twice. The rules are those of
 * src/progress/rules.ts, stated in SQL.
 *
 * Parameters: $1 user, $2..$10 the updates as parallel arrays, $11 score bonus, $12 token step,
 * $13 outbox status, $14 metadata, $15/$16 idempotency caller/key (null when none).
 */
export const APPLY_PROGRESS_SQL = `
WITH input AS (
  SELECT *
  FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::int[], $7::bool[], $8::uuid[], $9::text[], $10::text[])
    AS i(achievement_id, target, points, delta, at_least, force, unlock_id, code, title)
),
upserted AS (
  INSERT INTO user_achievements AS ua
    (user_id, achievement_id, progress_current, is_completed, unlocked_at, reward_points, unlock_id, created_at, updated_at)
  SELECT $1, i.achievement_id, f.v, f.v >= i.target,
         CASE WHEN f.v >= i.target THEN clock_timestamp() END,
         CASE WHEN f.v >= i.target THEN i.points END,
         CASE WHEN f.v >= i.target THEN i.unlock_id END,
         clock_timestamp(), clock_timestamp()
  FROM input i
  CROSS JOIN LATERAL (
    SELECT LEAST(i.target, CASE WHEN i.force THEN i.target ELSE GREATEST(i.delta, COALESCE(i.at_least, 0)) END) AS v
  ) f
  ORDER BY i.achievement_id
  ON CONFLICT (user_id, achievement_id) DO UPDATE SET
    (progress_current, is_completed, unlocked_at, reward_points, unlock_id, updated_at) = (
      SELECT
        CASE WHEN ua.is_completed THEN ua.progress_current ELSE n.v END,
        ua.is_completed OR n.v >= i.target,
        CASE WHEN ua.is_completed THEN ua.unlocked_at WHEN n.v >= i.target THEN clock_timestamp() END,
        CASE WHEN ua.is_completed THEN ua.reward_points WHEN n.v >= i.target THEN i.points END,
        CASE WHEN ua.is_completed THEN ua.unlock_id WHEN n.v >= i.target THEN i.unlock_id END,
        clock_timestamp()
      FROM input i
      CROSS JOIN LATERAL (
        SELECT LEAST(i.target, GREATEST(ua.progress_current,
          CASE WHEN i.force THEN i.target ELSE GREATEST(ua.progress_current + i.delta, COALESCE(i.at_least, 0)) END)) AS v
      ) n
      WHERE i.achievement_id = EXCLUDED.achievement_id
    )
  RETURNING ua.achievement_id, ua.progress_current, ua.is_completed, ua.unlocked_at, ua.reward_points, ua.unlock_id
),
unlocked AS (
  SELECT u.achievement_id, u.unlock_id, u.reward_points, i.code, i.title
  FROM upserted u JOIN input i ON i.achievement_id = u.achievement_id AND i.unlock_id = u.unlock_id
),
gained AS (
  SELECT COALESCE(SUM(reward_points), 0)::bigint + $11::int AS score_delta, COUNT(*)::int AS unlocks FROM unlocked
),
score AS (
  INSERT INTO user_scores AS s (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
  SELECT $1, g.score_delta, g.unlocks, (g.score_delta / $12::int)::int, clock_timestamp(), clock_timestamp()
  FROM gained g
  ON CONFLICT (user_id) DO UPDATE SET
    total_points = s.total_points + EXCLUDED.total_points,
    achievements_unlocked = s.achievements_unlocked + EXCLUDED.achievements_unlocked,
    star_tokens = s.star_tokens + ((s.total_points + EXCLUDED.total_points) / $12::int - s.total_points / $12::int)::int,
    updated_at = clock_timestamp()
  RETURNING s.user_id, s.total_points, s.achievements_unlocked, s.star_tokens
),
outcome AS (
  SELECT sc.*, g.score_delta,
         (sc.total_points / $12::int - (sc.total_points - g.score_delta) / $12::int)::int AS tokens_awarded
  FROM score sc CROSS JOIN gained g
),
ledger AS (
  INSERT INTO star_token_ledger (user_id, token_index, score_at_award, awarded_at)
  SELECT $1, o.star_tokens - o.tokens_awarded + k,
         ((o.total_points - o.score_delta) / $12::int + k) * $12::int, clock_timestamp()
  FROM outcome o CROSS JOIN generate_series(1, o.tokens_awarded) AS k
),
outbox AS (
  INSERT INTO notification_outbox
    (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta, star_tokens_awarded,
     metadata, status, attempts, next_attempt_at, created_at)
  SELECT un.unlock_id, $1, un.achievement_id, un.code, un.title, un.reward_points, o.score_delta, o.tokens_awarded,
         $14::jsonb, $13::text, 0, clock_timestamp(), clock_timestamp()
  FROM unlocked un CROSS JOIN outcome o
),
result AS (
  SELECT json_build_object(
    'user', json_build_object('userId', o.user_id, 'totalPoints', o.total_points,
                              'achievementsUnlocked', o.achievements_unlocked, 'starTokens', o.star_tokens),
    'scoreDelta', o.score_delta,
    'starTokensAwarded', o.tokens_awarded,
    'rows', COALESCE((
      SELECT json_agg(json_build_object(
        'achievementId', u.achievement_id, 'progressCurrent', u.progress_current, 'isCompleted', u.is_completed,
        'unlockedAt', to_char(u.unlocked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'rewardPoints', u.reward_points,
        'newlyUnlocked', u.unlock_id IS NOT DISTINCT FROM i.unlock_id AND u.unlock_id IS NOT NULL))
      FROM upserted u JOIN input i ON i.achievement_id = u.achievement_id
    ), '[]'::json)
  ) AS body
  FROM outcome o
),
idempotency AS (
  UPDATE idempotency_keys k SET state = 'done', result = r.body::text
  FROM result r
  WHERE $15::text IS NOT NULL AND k.caller = $15::text AND k.key = $16::text
)
SELECT body::text AS body FROM result
`

// Type OIDs for postgres.js array parameters (it cannot infer an array's element type, e.g. bool[]).
const UUID = 2950
const INT4 = 23
const BOOL = 16
const TEXT = 25

function parameters(sql: PgSql, command: ProgressCommand): unknown[] {
  const u = command.updates
  return [
    command.userId,
    sql.array(u.map((x) => x.achievementId), UUID),
    sql.array(u.map((x) => x.progressTarget), INT4),
    sql.array(u.map((x) => x.points), INT4),
    sql.array(u.map((x) => x.progressDelta), INT4),
    sql.array(u.map((x) => x.progressAtLeast), INT4),
    sql.array(u.map((x) => x.forceComplete), BOOL),
    sql.array(u.map((x) => x.candidateUnlockId), UUID),
    sql.array(u.map((x) => x.code), TEXT),
    sql.array(u.map((x) => x.title), TEXT),
    command.scoreBonus,
    command.step,
    command.notify ? 'pending' : 'suppressed',
    command.metadata === null ? null : JSON.stringify(command.metadata),
    command.idempotency?.caller ?? null,
    command.idempotency?.key ?? null,
  ]
}

export class PostgresProgressStore implements ProgressStore {
  constructor(private readonly sql: PgSql) {}

  /**
   * Group commit: the whole batch is one transaction whose statements are pipelined (one round trip).
   * Commands are ordered by player (stable, so one player's commands keep their order), so that two batches
   * in flight take row locks in the same order and cannot deadlock. If the batch fails for a reason other than
   * an unavailable database, each command is retried alone so one bad command never fails its neighbours.
   */
  async applyBatch(commands: ProgressCommand[]): Promise<ProgressOutcome[]> {
    if (commands.length === 1) return [await this.applyAlone(commands[0]!)]
    const order = commands.map((_, index) => index).sort((a, b) => compare(commands[a]!.userId, commands[b]!.userId) || a - b)
    try {
      const bodies = await this.sql.begin((tx) =>
        order.map((index) => tx.unsafe(APPLY_PROGRESS_SQL, parameters(tx as unknown as PgSql, commands[index]!) as never[], { prepare: true })),
      )
      const outcomes: ProgressOutcome[] = new Array(commands.length)
      order.forEach((index, position) => {
        const command = commands[index]!
        const rows = bodies[position] as unknown as { body: string }[]
        outcomes[index] = { ok: true, result: parseProgressResult(rows[0]!.body, command.updates.map((u) => u.achievementId)) }
      })
      return outcomes
    } catch (error) {
      if (isStorageUnavailable(error)) return commands.map(() => ({ ok: false, error }))
      return Promise.all(commands.map((command) => this.applyAlone(command)))
    }
  }

  private async applyAlone(command: ProgressCommand): Promise<ProgressOutcome> {
    try {
      const rows = await this.sql.unsafe<{ body: string }[]>(APPLY_PROGRESS_SQL, parameters(this.sql, command) as never[], { prepare: true })
      return { ok: true, result: parseProgressResult(rows[0]!.body, command.updates.map((u) => u.achievementId)) }
    } catch (error) {
      return { ok: false, error }
    }
  }

  async userScore(userId: string): Promise<UserScoreRecord | null> {
    const [row] = await this.sql<UserScoreRecord[]>`
      select user_id as "userId", total_points::float8 as "totalPoints", achievements_unlocked as "achievementsUnlocked",
             star_tokens as "starTokens"
      from user_scores where user_id = ${userId}`
    return row ?? null
  }

  async userAchievements(userId: string): Promise<UserAchievementRecord[]> {
    type Row = Omit<UserAchievementRecord, 'unlockedAt' | 'updatedAt'> & { unlockedAt: string | null; updatedAt: string }
    const rows = await this.sql<Row[]>`
      select user_id as "userId", achievement_id::text as "achievementId", progress_current as "progressCurrent",
             is_completed as "isCompleted", unlocked_at as "unlockedAt", reward_points as "rewardPoints",
             unlock_id::text as "unlockId", updated_at as "updatedAt"
      from user_achievements where user_id = ${userId}
      order by updated_at desc nulls last, achievement_id`
    return rows.map((row) => ({ ...row, unlockedAt: asNullableDate(row.unlockedAt), updatedAt: asDate(row.updatedAt) }))
  }

  async starTokenLedgerCount(userId: string): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`select count(*)::int as n from star_token_ledger where user_id = ${userId}`
    return row?.n ?? 0
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
