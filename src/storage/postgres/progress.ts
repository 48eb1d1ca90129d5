import { IdempotencyKeyTaken, isStorageUnavailable } from '../errors'
import type {
  ProgressCommand,
  ProgressOutcome,
  ProgressResult,
  ProgressStore,
  UserAchievementRecord,
  UserScoreRecord,
} from '../port'
import { asDate, asNullableDate, type PgSql } from './connection'
import { boolArrayLiteral, intArrayLiteral, textArrayLiteral } from './array-literal'

// Progress of an update on an existing row, and on a new one (current progress 0): the rules of
// src/progress/rules.ts.
const NEXT = `LEAST(i.target, GREATEST(ua.progress_current,
  CASE WHEN i.force THEN i.target ELSE GREATEST(ua.progress_current + i.delta, COALESCE(i.at_least, 0)) END))`
const FIRST = `LEAST(i.target, CASE WHEN i.force THEN i.target ELSE GREATEST(i.delta, COALESCE(i.at_least, 0)) END)`

/**
 * Applies a ROUND of commands (at most one per player) as one set-based statement: progress rows, score rows,
 * the star-token ledger, outbox entries for new unlocks and the idempotency marks. Everything is computed by
 * the database from the rows as they are when locked: no value goes to the application and back, so
 * concurrent writers for one player (on any instance) serialize on the row locks and never lose an update,
 * unlock twice or mint a token twice.
 *
 * Existing rows are updated and missing ones inserted, each row written once. A row that another transaction
 * inserts after this statement's snapshot makes the plain INSERT fail with a unique violation (it waits for
 * that transaction first); the batch is then retried and finds the row. Within one instance this cannot
 * happen (a player is never in two batches at once), so it is rare: instances racing on a brand-new row.
 *
 * Commands: $1 user, $2 score bonus, $3 outbox status, $4 metadata (JSON text), $5/$6/$18 idempotency
 * caller/key/request hash, $19 whether the key is already claimed (pending) by the caller.
 * Updates: $7 command ordinal (1-based), $8 achievement, $9 target, $10 points, $11 delta, $12 at_least,
 * $13 force, $14 candidate unlock id, $15 code, $16 title. $17 star-token step.
 * Returns one row per progress row (RoundRow): the row's new state and its command's score, as plain columns (a
 * command without updates has one row, its progress columns null). JSON is built only for the outcome an
 * idempotency key stores.
 */
export const APPLY_ROUND_SQL = `
WITH cmd AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $18::text[], $19::bool[])
    WITH ORDINALITY AS c(user_id, bonus, status, metadata, idem_caller, idem_key, idem_hash, idem_claimed, ord)
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
inserted AS (
  INSERT INTO user_achievements AS ua
    (user_id, achievement_id, progress_current, is_completed, unlocked_at, reward_points, unlock_id, created_at, updated_at)
  SELECT i.user_id, i.achievement_id, ${FIRST}, ${FIRST} >= i.target,
         CASE WHEN ${FIRST} >= i.target THEN clock_timestamp() END,
         CASE WHEN ${FIRST} >= i.target THEN i.points END,
         CASE WHEN ${FIRST} >= i.target THEN i.unlock_id END,
         clock_timestamp(), clock_timestamp()
  FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.user_id = i.user_id AND u.achievement_id = i.achievement_id)
  ORDER BY i.user_id, i.achievement_id
  RETURNING ua.user_id, ua.achievement_id, ua.progress_current, ua.is_completed, ua.unlocked_at,
            ua.reward_points, ua.unlock_id
),
progressed AS (
  SELECT cmd, user_id, achievement_id, progress_current, is_completed, unlocked_at, reward_points, unlock_id,
         candidate, code, title
  FROM updated
  UNION ALL
  SELECT i.cmd, n.user_id, n.achievement_id, n.progress_current, n.is_completed, n.unlocked_at, n.reward_points,
         n.unlock_id, i.unlock_id, i.code, i.title
  FROM inserted n JOIN input i ON i.user_id = n.user_id AND i.achievement_id = n.achievement_id
),
unlocked AS (
  SELECT * FROM progressed WHERE unlock_id = candidate
),
gained AS (
  SELECT c.ord, c.user_id, c.bonus + COALESCE(SUM(un.reward_points), 0)::bigint AS score_delta,
         COUNT(un.achievement_id)::int AS unlocks
  FROM cmd c LEFT JOIN unlocked un ON un.cmd = c.ord
  GROUP BY c.ord, c.user_id, c.bonus
),
score_updated AS (
  UPDATE user_scores s SET
    total_points = s.total_points + g.score_delta,
    achievements_unlocked = s.achievements_unlocked + g.unlocks,
    star_tokens = s.star_tokens + ((s.total_points + g.score_delta) / $17::int - s.total_points / $17::int)::int,
    updated_at = clock_timestamp()
  FROM gained g
  WHERE s.user_id = g.user_id
  RETURNING g.ord, s.user_id, s.total_points, s.achievements_unlocked, s.star_tokens, g.score_delta
),
score_inserted AS (
  INSERT INTO user_scores AS s (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
  SELECT g.user_id, g.score_delta, g.unlocks, (g.score_delta / $17::int)::int, clock_timestamp(), clock_timestamp()
  FROM gained g
  WHERE NOT EXISTS (SELECT 1 FROM score_updated u WHERE u.user_id = g.user_id)
  ORDER BY g.user_id
  RETURNING s.user_id, s.total_points, s.achievements_unlocked, s.star_tokens
),
score AS (
  SELECT o.*, (o.total_points / $17::int - (o.total_points - o.score_delta) / $17::int)::int AS tokens_awarded
  FROM (
    SELECT ord, user_id, total_points, achievements_unlocked, star_tokens, score_delta FROM score_updated
    UNION ALL
    SELECT g.ord, n.user_id, n.total_points, n.achievements_unlocked, n.star_tokens, g.score_delta
    FROM score_inserted n JOIN gained g ON g.user_id = n.user_id
  ) o
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
kept AS (
  -- The outcome a key stores (the JSON of src/storage/progress-result.ts), built only for the commands with a key.
  SELECT c.idem_caller, c.idem_key, c.idem_hash, c.idem_claimed, json_build_object(
           'user', json_build_object('userId', o.user_id, 'totalPoints', o.total_points,
                                     'achievementsUnlocked', o.achievements_unlocked, 'starTokens', o.star_tokens),
           'scoreDelta', o.score_delta,
           'starTokensAwarded', o.tokens_awarded,
           'rows', COALESCE((SELECT json_agg(json_build_object(
              'achievementId', p.achievement_id, 'progressCurrent', p.progress_current, 'isCompleted', p.is_completed,
              'unlockedAt', to_char(p.unlocked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'rewardPoints', p.reward_points, 'newlyUnlocked', p.unlock_id IS NOT NULL AND p.unlock_id = p.candidate))
             FROM progressed p WHERE p.cmd = o.ord), '[]'::json))::text AS result
  FROM score o JOIN cmd c ON c.ord = o.ord
  WHERE c.idem_caller IS NOT NULL
),
key_recorded AS (
  -- A key seen for the first time is inserted as done. If it is already there, or another transaction inserts
  -- it first, the unique violation fails the whole statement: nothing is applied, and the store answers that
  -- command as IdempotencyKeyTaken. The primary key is the only check, so no plan can scan the table for it.
  INSERT INTO idempotency_keys (caller, key, request_hash, state, result, locked_until, created_at)
  SELECT idem_caller, idem_key, idem_hash, 'done', result, clock_timestamp(), clock_timestamp()
  FROM kept WHERE NOT idem_claimed
),
claim_done AS (
  -- A key the caller claimed beforehand (taking over an abandoned claim) is marked done through the primary key.
  INSERT INTO idempotency_keys AS k (caller, key, request_hash, state, result, locked_until, created_at)
  SELECT idem_caller, idem_key, idem_hash, 'done', result, clock_timestamp(), clock_timestamp()
  FROM kept WHERE idem_claimed
  ON CONFLICT (caller, key) DO UPDATE SET state = 'done', result = EXCLUDED.result
)
SELECT o.ord::int AS ord, p.achievement_id::text AS "achievementId", p.progress_current AS "progressCurrent",
       p.is_completed AS "isCompleted", floor(extract(epoch FROM p.unlocked_at) * 1000)::float8 AS "unlockedAtMs",
       p.reward_points AS "rewardPoints", (p.unlock_id IS NOT NULL AND p.unlock_id = p.candidate) AS "newlyUnlocked",
       o.user_id AS "userId", o.total_points::float8 AS "totalPoints", o.achievements_unlocked AS "achievementsUnlocked",
       o.star_tokens AS "starTokens", o.score_delta::float8 AS "scoreDelta", o.tokens_awarded AS "starTokensAwarded"
FROM score o LEFT JOIN progressed p ON p.cmd = o.ord`

interface ProgressColumns {
  achievementId: string
  progressCurrent: number
  isCompleted: boolean
  unlockedAtMs: number | null
  rewardPoints: number | null
  newlyUnlocked: boolean
}

/**
 * One row of APPLY_ROUND_SQL's reply: a progress row and the score of its command (a command without updates has
 * one row, its progress columns null).
 */
type RoundRow = {
  ord: number
  userId: string
  totalPoints: number
  achievementsUnlocked: number
  starTokens: number
  scoreDelta: number
  starTokensAwarded: number
} & (ProgressColumns | { [column in keyof ProgressColumns]: null })

/** A command's outcome from its rows, in the command's update order. */
function resultOf(command: ProgressCommand, rows: RoundRow[]): ProgressResult {
  const first = rows[0]
  if (!first) throw new Error(`no progress result for user ${command.userId}`)
  return {
    user: { userId: first.userId, totalPoints: first.totalPoints, achievementsUnlocked: first.achievementsUnlocked, starTokens: first.starTokens },
    scoreDelta: first.scoreDelta,
    starTokensAwarded: first.starTokensAwarded,
    rows: command.updates.map(({ achievementId }) => {
      const row = rows.find((candidate): candidate is RoundRow & ProgressColumns => candidate.achievementId === achievementId)
      if (!row) throw new Error(`progress result lacks achievement ${achievementId}`)
      return {
        achievementId,
        progressCurrent: row.progressCurrent,
        isCompleted: row.isCompleted,
        unlockedAt: row.unlockedAtMs === null ? null : new Date(row.unlockedAtMs),
        rewardPoints: row.rewardPoints,
        newlyUnlocked: row.newlyUnlocked,
      }
    }),
  }
}

export function roundParameters(round: readonly ProgressCommand[], step: number): (string | number)[] {
  const updates = round.flatMap((command, index) => command.updates.map((update) => ({ ord: index + 1, update })))
  const column = <T>(pick: (u: (typeof updates)[number]['update']) => T) => updates.map((x) => pick(x.update))
  return [
    textArrayLiteral(round.map((c) => c.userId)),
    intArrayLiteral(round.map((c) => c.scoreBonus)),
    textArrayLiteral(round.map((c) => (c.notify ? 'pending' : 'suppressed'))),
    textArrayLiteral(round.map((c) => (c.metadata === null ? null : JSON.stringify(c.metadata)))),
    textArrayLiteral(round.map((c) => c.idempotency?.caller ?? null)),
    textArrayLiteral(round.map((c) => c.idempotency?.key ?? null)),
    intArrayLiteral(updates.map((x) => x.ord)),
    textArrayLiteral(column((u) => u.achievementId)),
    intArrayLiteral(column((u) => u.progressTarget)),
    intArrayLiteral(column((u) => u.points)),
    intArrayLiteral(column((u) => u.progressDelta)),
    intArrayLiteral(column((u) => u.progressAtLeast)),
    boolArrayLiteral(column((u) => u.forceComplete)),
    textArrayLiteral(column((u) => u.candidateUnlockId)),
    textArrayLiteral(column((u) => u.code)),
    textArrayLiteral(column((u) => u.title)),
    step,
    textArrayLiteral(round.map((c) => c.idempotency?.requestHash ?? null)),
    boolArrayLiteral(round.map((c) => c.idempotency?.claimed ?? false)),
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

// Retried before the batch is split: a deadlock or a serialization failure, and a unique violation from two
// instances inserting one new row at once (see APPLY_ROUND_SQL). Only possible between instances whose
// batches share players.
const RETRYABLE = new Set(['40P01', '40001', '23505'])
const ATTEMPTS = 3
const IDEMPOTENCY_KEY_CONSTRAINT = 'idempotency_keys_caller_key_pk'

interface PostgresErrorFields {
  code?: unknown
  constraint_name?: unknown
  detail?: unknown
}

/** Whether `error` is the unique violation of an Idempotency-Key that is already recorded. */
function isKeyTaken(error: unknown): boolean {
  const fields = error as PostgresErrorFields | null
  return fields?.code === '23505' && fields.constraint_name === IDEMPOTENCY_KEY_CONSTRAINT
}

/**
 * The command whose key a key-taken violation names (Postgres' detail is "Key (caller, key)=(c, k) already
 * exists."): the last one with that key, since of two posts of one key in a batch the later is the duplicate.
 */
function commandWithTakenKey(error: unknown, commands: readonly ProgressCommand[]): number {
  const detail = (error as PostgresErrorFields).detail
  if (typeof detail !== 'string') return -1
  return commands.findLastIndex(({ idempotency }) => {
    if (idempotency === null || idempotency.claimed) return false
    return detail === `Key (caller, key)=(${idempotency.caller}, ${idempotency.key}) already exists.`
  })
}

export class PostgresProgressStore implements ProgressStore {
  constructor(private readonly sql: PgSql) {}

  /**
   * Group commit: the whole batch is one transaction of R pipelined statements (one round trip), R being the
   * most commands one player has in the batch (usually 1). A command whose Idempotency-Key is already recorded
   * fails the statement; it is answered as IdempotencyKeyTaken and the batch runs again without it. If the batch
   * fails for another reason than an unavailable database, each command is retried alone, so one bad command
   * never fails its neighbours.
   */
  async applyBatch(commands: ProgressCommand[]): Promise<ProgressOutcome[]> {
    const outcomes: ProgressOutcome[] = new Array(commands.length)
    let live = commands.map((_, index) => index)
    while (live.length > 0) {
      const batch = live.map((index) => commands[index]!)
      try {
        const results = await this.withRetry(() => this.commit(batch))
        live.forEach((index, n) => (outcomes[index] = { ok: true, result: results[n]! }))
        break
      } catch (error) {
        // A lone command needs no name from the message (whose wording follows the server's lc_messages).
        const taken = !isKeyTaken(error) ? -1 : batch.length === 1 ? 0 : commandWithTakenKey(error, batch)
        if (taken >= 0) {
          outcomes[live[taken]!] = { ok: false, error: new IdempotencyKeyTaken() }
          live = live.filter((_, n) => n !== taken)
          continue
        }
        if (batch.length === 1 || (isStorageUnavailable(error) && !isRetryable(error))) {
          live.forEach((index) => (outcomes[index] = { ok: false, error }))
          break
        }
        ;(await this.applyOneByOne(batch)).forEach((outcome, n) => (outcomes[live[n]!] = outcome))
        break
      }
    }
    return outcomes
  }

  /** Each command in its own transaction: players in parallel, one player's commands in their order. */
  private async applyOneByOne(commands: ProgressCommand[]): Promise<ProgressOutcome[]> {
    const outcomes: ProgressOutcome[] = new Array(commands.length)
    const byPlayer = new Map<string, number[]>()
    commands.forEach((command, index) => byPlayer.set(command.userId, [...(byPlayer.get(command.userId) ?? []), index]))
    await Promise.all(
      [...byPlayer.values()].map(async (indexes) => {
        for (const index of indexes) {
          try {
            const [result] = await this.withRetry(() => this.commit([commands[index]!]))
            outcomes[index] = { ok: true, result: result! }
          } catch (error) {
            outcomes[index] = { ok: false, error: isKeyTaken(error) ? new IdempotencyKeyTaken() : error }
          }
        }
      }),
    )
    return outcomes
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

  /**
   * One round (the usual case) is a single statement, which Postgres runs as its own transaction: no BEGIN or
   * COMMIT to send and parse. Several rounds go out as BEGIN, the statements and COMMIT together on one reserved
   * connection: one round trip either way. A statement that fails aborts the transaction, so the COMMIT that
   * follows it rolls back.
   */
  private async commit(commands: ProgressCommand[]): Promise<ProgressResult[]> {
    const rounds = intoRounds(commands)
    const step = commands[0]!.step
    const roundStatement = (sql: PgSql, round: number[]) =>
      sql.unsafe(APPLY_ROUND_SQL, roundParameters(round.map((i) => commands[i]!), step), { prepare: true })
    let replies: unknown[]
    if (rounds.length === 1) {
      replies = [await roundStatement(this.sql, rounds[0]!)]
    } else {
      const connection = await this.sql.reserve()
      try {
        const conn = connection as unknown as PgSql
        const settled = await Promise.allSettled([
          connection.unsafe('begin'),
          ...rounds.map((round) => roundStatement(conn, round)),
          connection.unsafe('commit'),
        ])
        const failed = settled.find((outcome) => outcome.status === 'rejected')
        if (failed) {
          await connection.unsafe('rollback').catch(() => {})
          throw failed.reason
        }
        replies = settled.slice(1, -1).map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value)
      } finally {
        connection.release()
      }
    }
    const rowsOf: RoundRow[][] = commands.map(() => [])
    rounds.forEach((round, r) => {
      for (const row of replies[r] as RoundRow[]) rowsOf[round[row.ord - 1]!]!.push(row)
    })
    return commands.map((command, index) => resultOf(command, rowsOf[index]!))
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
  const code = (error as PostgresErrorFields | null)?.code
  return typeof code === 'string' && RETRYABLE.has(code) && !isKeyTaken(error)
}
