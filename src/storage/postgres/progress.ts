import { isStorageUnavailable } from '../errors'
import type {
  ProgressCommand,
  ProgressOutcome,
  ProgressResult,
  ProgressStore,
  UserAchievementRecord,
  UserScoreRecord,
} from '../port'
import { asDate, asNullableDate, type PgSql } from './connection'
import { parseProgressResult } from '../progress-result'

// Progress of a command's update, given the row's current progress (the rules of src/progress/rules.ts).
const NEXT = `LEAST(i.target, GREATEST(ua.progress_current,
  CASE WHEN i.force THEN i.target ELSE GREATEST(ua.progress_current + i.delta, COALESCE(i.at_least, 0)) END))`

/**
 * Makes sure every row a batch will update exists: the (player, achievement) progress rows and the players'
 * score rows, inserted empty where missing. Existing rows are not touched (nor locked).
 * $1/$2 pairs (user, achievement), $3 users.
 */
export const ENSURE_ROWS_SQL = `
WITH progress_rows AS (
  INSERT INTO user_achievements (user_id, achievement_id, progress_current, is_completed, created_at, updated_at)
  SELECT p.user_id, p.achievement_id, 0, false, clock_timestamp(), clock_timestamp()
  FROM unnest($1::text[], $2::uuid[]) AS p(user_id, achievement_id)
  ORDER BY 1, 2
  ON CONFLICT (user_id, achievement_id) DO NOTHING
)
INSERT INTO user_scores (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
SELECT DISTINCT u.user_id, 0, 0, 0, clock_timestamp(), clock_timestamp()
FROM unnest($3::text[]) AS u(user_id)
ORDER BY 1
ON CONFLICT (user_id) DO NOTHING`

/**
 * Applies a ROUND of commands (at most one per player) as one set-based statement: progress updates, score
 * updates, the star-token ledger, outbox entries for new unlocks and the idempotency marks. Everything is
 * computed by the database from the rows as they are when locked: no value goes to the application and back,
 * so concurrent writers for one player (on any instance) serialize on the row locks and never lose an update,
 * unlock twice or mint a token twice.
 *
 * Commands: $1 user, $2 score bonus, $3 outbox status, $4 metadata (JSON text), $5/$6 idempotency caller/key.
 * Updates: $7 command ordinal (1-based), $8 achievement, $9 target, $10 points, $11 delta, $12 at_least,
 * $13 force, $14 candidate unlock id, $15 code, $16 title. $17 star-token step.
 * Returns one row per command: (ord, body), body being the JSON of src/storage/progress-result.ts.
 */
export const APPLY_ROUND_SQL = `
WITH cmd AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
    WITH ORDINALITY AS c(user_id, bonus, status, metadata, idem_caller, idem_key, ord)
),
input AS (
  SELECT i.*, c.user_id
  FROM unnest($7::int[], $8::uuid[], $9::int[], $10::int[], $11::int[], $12::int[], $13::bool[], $14::uuid[], $15::text[], $16::text[])
    AS i(cmd, achievement_id, target, points, delta, at_least, force, unlock_id, code, title)
  JOIN cmd c ON c.ord = i.cmd
),
updated AS (
  UPDATE user_achievements ua SET
    progress_current = CASE WHEN ua.is_completed THEN ua.progress_current ELSE ${NEXT} END,
    is_completed = ua.is_completed OR ${NEXT} >= i.target,
    unlocked_at = CASE WHEN ua.is_completed THEN ua.unlocked_at WHEN ${NEXT} >= i.target THEN clock_timestamp() END,
    reward_points = CASE WHEN ua.is_completed THEN ua.reward_points WHEN ${NEXT} >= i.target THEN i.points END,
    unlock_id = CASE WHEN ua.is_completed THEN ua.unlock_id WHEN ${NEXT} >= i.target THEN i.unlock_id END,
    updated_at = clock_timestamp()
  FROM input i
  WHERE ua.user_id = i.user_id AND ua.achievement_id = i.achievement_id
  RETURNING i.cmd, ua.user_id, ua.achievement_id, ua.progress_current, ua.is_completed, ua.unlocked_at,
            ua.reward_points, ua.unlock_id, i.unlock_id AS candidate, i.code, i.title
),
unlocked AS (
  SELECT * FROM updated WHERE unlock_id = candidate
),
gained AS (
  SELECT c.ord, c.user_id, c.bonus + COALESCE(SUM(un.reward_points), 0)::bigint AS score_delta,
         COUNT(un.achievement_id)::int AS unlocks
  FROM cmd c LEFT JOIN unlocked un ON un.cmd = c.ord
  GROUP BY c.ord, c.user_id, c.bonus
),
score AS (
  UPDATE user_scores s SET
    total_points = s.total_points + g.score_delta,
    achievements_unlocked = s.achievements_unlocked + g.unlocks,
    star_tokens = s.star_tokens + ((s.total_points + g.score_delta) / $17::int - s.total_points / $17::int)::int,
    updated_at = clock_timestamp()
  FROM gained g
  WHERE s.user_id = g.user_id
  RETURNING g.ord, s.user_id, s.total_points, s.achievements_unlocked, s.star_tokens, g.score_delta,
            (s.total_points / $17::int - (s.total_points - g.score_delta) / $17::int)::int AS tokens_awarded
),
ledger AS (
  INSERT INTO star_token_ledger (user_id, token_index, score_at_award, awarded_at)
  SELECT o.user_id, o.star_tokens - o.tokens_awarded + k,
         ((o.total_points - o.score_delta) / $17::int + k) * $17::int, clock_timestamp()
  FROM score o CROSS JOIN LATERAL generate_series(1, o.tokens_awarded) AS k
),
outbox AS (
  INSERT INTO notification_outbox
    (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta, star_tokens_awarded,
     metadata, status, attempts, next_attempt_at, created_at)
  SELECT un.unlock_id, un.user_id, un.achievement_id, un.code, un.title, un.reward_points, o.score_delta,
         o.tokens_awarded, c.metadata::jsonb, c.status, 0, clock_timestamp(), clock_timestamp()
  FROM unlocked un JOIN score o ON o.ord = un.cmd JOIN cmd c ON c.ord = un.cmd
),
rows_json AS (
  SELECT u.cmd, json_agg(json_build_object(
    'achievementId', u.achievement_id, 'progressCurrent', u.progress_current, 'isCompleted', u.is_completed,
    'unlockedAt', to_char(u.unlocked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'rewardPoints', u.reward_points, 'newlyUnlocked', u.unlock_id IS NOT NULL AND u.unlock_id = u.candidate)) AS rows
  FROM updated u GROUP BY u.cmd
),
result AS (
  SELECT o.ord, json_build_object(
    'user', json_build_object('userId', o.user_id, 'totalPoints', o.total_points,
                              'achievementsUnlocked', o.achievements_unlocked, 'starTokens', o.star_tokens),
    'scoreDelta', o.score_delta,
    'starTokensAwarded', o.tokens_awarded,
    'rows', COALESCE(r.rows, '[]'::json)) AS body
  FROM score o LEFT JOIN rows_json r ON r.cmd = o.ord
),
idempotency AS (
  UPDATE idempotency_keys k SET state = 'done', result = r.body::text
  FROM result r JOIN cmd c ON c.ord = r.ord
  WHERE c.idem_caller IS NOT NULL AND k.caller = c.idem_caller AND k.key = c.idem_key
)
SELECT ord::int AS ord, body::text AS body FROM result`

// Type OIDs for postgres.js array parameters (it cannot infer an array's element type, e.g. bool[]).
const UUID = 2950
const INT4 = 23
const BOOL = 16
const TEXT = 25

function ensureParameters(sql: PgSql, commands: readonly ProgressCommand[]): unknown[] {
  const pairUsers: string[] = []
  const pairAchievements: string[] = []
  for (const command of commands) {
    for (const update of command.updates) {
      pairUsers.push(command.userId)
      pairAchievements.push(update.achievementId)
    }
  }
  return [sql.array(pairUsers, TEXT), sql.array(pairAchievements, UUID), sql.array(commands.map((c) => c.userId), TEXT)]
}

function roundParameters(sql: PgSql, round: readonly ProgressCommand[], step: number): unknown[] {
  const updates = round.flatMap((command, index) => command.updates.map((update) => ({ ord: index + 1, update })))
  const column = <T>(pick: (u: (typeof updates)[number]['update']) => T) => updates.map((x) => pick(x.update))
  return [
    sql.array(round.map((c) => c.userId), TEXT),
    sql.array(round.map((c) => c.scoreBonus), INT4),
    sql.array(round.map((c) => (c.notify ? 'pending' : 'suppressed')), TEXT),
    sql.array(round.map((c) => (c.metadata === null ? null : JSON.stringify(c.metadata))), TEXT),
    sql.array(round.map((c) => c.idempotency?.caller ?? null), TEXT),
    sql.array(round.map((c) => c.idempotency?.key ?? null), TEXT),
    sql.array(updates.map((x) => x.ord), INT4),
    sql.array(column((u) => u.achievementId), UUID),
    sql.array(column((u) => u.progressTarget), INT4),
    sql.array(column((u) => u.points), INT4),
    sql.array(column((u) => u.progressDelta), INT4),
    sql.array(column((u) => u.progressAtLeast), INT4),
    sql.array(column((u) => u.forceComplete), BOOL),
    sql.array(column((u) => u.candidateUnlockId), UUID),
    sql.array(column((u) => u.code), TEXT),
    sql.array(column((u) => u.title), TEXT),
    step,
  ]
}

/**
 * Splits a batch into rounds with at most one command per player: round k holds each player's k-th command,
 * so one player's commands apply in their order, each seeing the previous one's effect.
 */
export function intoRounds(commands: readonly ProgressCommand[]): number[][] {
  const rounds: number[][] = []
  const seen = new Map<string, number>()
  commands.forEach((command, index) => {
    const k = seen.get(command.userId) ?? 0
    seen.set(command.userId, k + 1)
    ;(rounds[k] ??= []).push(index)
  })
  return rounds
}

// A deadlock (possible only between instances whose batches share players) or a serialization failure
// is retried before the batch is split.
const RETRYABLE = new Set(['40P01', '40001'])
const ATTEMPTS = 3

export class PostgresProgressStore implements ProgressStore {
  constructor(private readonly sql: PgSql) {}

  /**
   * Group commit: the whole batch is one transaction of 1 + R pipelined statements (one round trip), R being
   * the most commands one player has in the batch (usually 1). If the batch fails for a reason other than an
   * unavailable database, each command is retried alone, so one bad command never fails its neighbours.
   */
  async applyBatch(commands: ProgressCommand[]): Promise<ProgressOutcome[]> {
    try {
      return (await this.withRetry(() => this.commit(commands))).map((result) => ({ ok: true, result }))
    } catch (error) {
      if (commands.length === 1 || isStorageUnavailable(error) && !isRetryable(error)) {
        return commands.map(() => ({ ok: false, error }))
      }
      return Promise.all(
        commands.map(async (command): Promise<ProgressOutcome> => {
          try {
            const [result] = await this.withRetry(() => this.commit([command]))
            return { ok: true, result: result! }
          } catch (error) {
            return { ok: false, error }
          }
        }),
      )
    }
  }

  private async withRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        if (attempt >= ATTEMPTS || !isRetryable(error)) throw error
      }
    }
  }

  private async commit(commands: ProgressCommand[]): Promise<ProgressResult[]> {
    const rounds = intoRounds(commands)
    const step = commands[0]!.step
    const replies = await this.sql.begin((tx) => {
      const txSql = tx as unknown as PgSql
      return [
        tx.unsafe(ENSURE_ROWS_SQL, ensureParameters(txSql, commands) as never[], { prepare: true }),
        ...rounds.map((round) =>
          tx.unsafe(APPLY_ROUND_SQL, roundParameters(txSql, round.map((i) => commands[i]!), step) as never[], { prepare: true }),
        ),
      ]
    })
    const results: ProgressResult[] = new Array(commands.length)
    rounds.forEach((round, r) => {
      for (const row of replies[r + 1] as unknown as { ord: number; body: string }[]) {
        const index = round[row.ord - 1]!
        results[index] = parseProgressResult(row.body, commands[index]!.updates.map((u) => u.achievementId))
      }
    })
    return results
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

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && RETRYABLE.has(code)
}
