import { STAR_TOKEN_STEP } from './catalog'

export interface DatabaseFacts {
  /** Every player with a score > 0, as the board should hold them. */
  scores: Map<string, number>
  unlocked: number
  outbox: number
  /** Players whose achievements_unlocked differs from their completed rows. */
  unlockedCountMismatches: number
  /** Players whose star_tokens differs from floor(total / step). */
  starTokenMismatches: number
  /** Players whose ledger row count differs from star_tokens. */
  ledgerMismatches: number
  /** Players whose total is below the rewards of their unlocked achievements. */
  totalBelowRewards: number
  idempotencyKeys: number
}

/** The players a board should hold (the same text runs on Postgres and SQLite). */
export const SCORES_SQL = `SELECT user_id, total_points FROM user_scores WHERE total_points > 0`

/** The consistency counts behind DatabaseFacts, one row (the same text runs on Postgres and SQLite). */
export const FACTS_SQL = `
  WITH done AS (
    SELECT user_id, count(*) AS n, sum(reward_points) AS rewards FROM user_achievements WHERE is_completed GROUP BY user_id
  ), ledger AS (
    SELECT user_id, count(*) AS n FROM star_token_ledger GROUP BY user_id
  )
  SELECT
    (SELECT count(*) FROM user_achievements WHERE is_completed) AS unlocked,
    (SELECT count(*) FROM notification_outbox) AS outbox,
    (SELECT count(*) FROM user_scores s LEFT JOIN done d USING (user_id)
      WHERE s.achievements_unlocked <> COALESCE(d.n, 0)) AS unlocked_mismatch,
    (SELECT count(*) FROM user_scores s WHERE s.star_tokens <> s.total_points / ${STAR_TOKEN_STEP}) AS token_mismatch,
    (SELECT count(*) FROM user_scores s LEFT JOIN ledger l USING (user_id)
      WHERE s.star_tokens <> COALESCE(l.n, 0)) AS ledger_mismatch,
    (SELECT count(*) FROM user_scores s JOIN done d USING (user_id) WHERE s.total_points < d.rewards) AS below_rewards,
    (SELECT count(*) FROM idempotency_keys) AS idempotency_keys`

/** DatabaseFacts from the rows of SCORES_SQL and FACTS_SQL (Postgres answers bigint counts as strings). */
export function toDatabaseFacts(scores: { user_id: string; total_points: string | number }[], facts: Record<string, string | number>): DatabaseFacts {
  return {
    scores: new Map(scores.map((row) => [row.user_id, Number(row.total_points)])),
    unlocked: Number(facts.unlocked),
    outbox: Number(facts.outbox),
    unlockedCountMismatches: Number(facts.unlocked_mismatch),
    starTokenMismatches: Number(facts.token_mismatch),
    ledgerMismatches: Number(facts.ledger_mismatch),
    totalBelowRewards: Number(facts.below_rewards),
    idempotencyKeys: Number(facts.idempotency_keys),
  }
}
