import { Database } from 'bun:sqlite'
import { SEED_PROGRESS_SHARE, STAR_TOKEN_STEP, pointsSql, targetSql } from './catalog'
import type { DatabaseFacts, SeedSummary } from './postgres'

const RANDOM_UNIT = `((abs(random()) % 1000000) / 1000000.0)`
const RANDOM_UUID = `(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)
  || '-a' || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))`

/** The same seed as seedPostgres, for the embedded SQLite file (after the service's migrations ran). */
export function seedSqlite(path: string, players: number, achievements: number): SeedSummary {
  const startedAt = Date.now()
  const db = new Database(path)
  try {
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA foreign_keys = ON')
    const now = Date.now()
    db.transaction(() => {
      db.exec(`
        INSERT INTO achievements (id, code, title, description, points, category, rarity, icon_url, is_secret,
                                  progress_target, auto_claim, created_at, updated_at)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${achievements})
        SELECT '00000000-0000-4000-8000-' || substr('000000000000' || n, -12), 'bench-' || substr('00' || n, -2),
               'Bench achievement ' || n, 'Seeded by bun run bench', ${pointsSql('n')},
               CASE n % 3 WHEN 0 THEN 'combat' WHEN 1 THEN 'explore' ELSE 'social' END, NULL, NULL, n % 10 = 0,
               ${targetSql('n')}, 1, ${now} - n * 60000, ${now} - n * 60000
        FROM seq`)
      // Materialized first: SQLite may evaluate random() once per reference of a subquery column.
      db.exec(`
        CREATE TEMP TABLE seed_progress AS
        WITH RECURSIVE seq(p) AS (SELECT 1 UNION ALL SELECT p + 1 FROM seq WHERE p < ${players})
        SELECT 'p' || p AS user_id, a.id AS achievement_id, a.progress_target AS target, a.points AS points,
               min(a.progress_target, 1 + CAST(${RANDOM_UNIT} * a.progress_target * 1.3 AS INTEGER)) AS v,
               ${now} - abs(random()) % ${30 * 86_400_000} AS at, ${RANDOM_UUID} AS unlock_id
        FROM seq CROSS JOIN achievements a
        -- Naming a column of a keeps the draw per (player, achievement): otherwise SQLite draws once per player.
        WHERE ${RANDOM_UNIT} < ${SEED_PROGRESS_SHARE} + 0 * a.progress_target`)
      db.exec(`
        INSERT INTO user_achievements (user_id, achievement_id, progress_current, is_completed, unlocked_at,
                                       reward_points, unlock_id, created_at, updated_at)
        SELECT user_id, achievement_id, v, v >= target, CASE WHEN v >= target THEN at END,
               CASE WHEN v >= target THEN points END, CASE WHEN v >= target THEN unlock_id END, at, at
        FROM seed_progress`)
      db.exec(`DROP TABLE seed_progress`)
      db.exec(`
        INSERT INTO user_scores (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
        WITH RECURSIVE seq(p) AS (SELECT 1 UNION ALL SELECT p + 1 FROM seq WHERE p < ${players})
        SELECT 'p' || p, COALESCE(s.total, 0), COALESCE(s.unlocked, 0), COALESCE(s.total, 0) / ${STAR_TOKEN_STEP}, ${now}, ${now}
        FROM seq LEFT JOIN (
          SELECT user_id, sum(reward_points) AS total, count(*) AS unlocked
          FROM user_achievements WHERE is_completed GROUP BY user_id
        ) s ON s.user_id = 'p' || p`)
      db.exec(`
        INSERT INTO star_token_ledger (user_id, token_index, score_at_award, awarded_at)
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < (SELECT max(star_tokens) FROM user_scores))
        SELECT s.user_id, k.i, k.i * ${STAR_TOKEN_STEP}, ${now} FROM user_scores s JOIN k ON k.i <= s.star_tokens`)
      db.exec(`
        INSERT INTO notification_outbox (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta,
                                         star_tokens_awarded, metadata, status, attempts, next_attempt_at, created_at, delivered_at)
        SELECT ua.unlock_id, ua.user_id, ua.achievement_id, a.code, a.title, ua.reward_points, ua.reward_points, 0, NULL,
               'delivered', 1, ua.unlocked_at, ua.unlocked_at, ua.unlocked_at
        FROM user_achievements ua JOIN achievements a ON a.id = ua.achievement_id
        WHERE ua.is_completed`)
    })()
    db.exec('ANALYZE')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    const counts = db
      .query<{ rows: number; unlocked: number }, []>(
        `SELECT count(*) AS rows, sum(is_completed) AS unlocked FROM user_achievements`,
      )
      .get()!
    return { achievements, players, progressRows: counts.rows, unlocked: counts.unlocked, ms: Date.now() - startedAt }
  } finally {
    db.close()
  }
}

export function readSqliteFacts(path: string): DatabaseFacts {
  const db = new Database(path, { readonly: true })
  try {
    const rows = db
      .query<{ user_id: string; total_points: number }, []>(`SELECT user_id, total_points FROM user_scores WHERE total_points > 0`)
      .all()
    const facts = db
      .query<Record<string, number>, []>(`
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
          (SELECT count(*) FROM idempotency_keys) AS idempotency_keys`)
      .get()!
    return {
      scores: new Map(rows.map((row) => [row.user_id, row.total_points])),
      unlocked: facts.unlocked!,
      outbox: facts.outbox!,
      unlockedCountMismatches: facts.unlocked_mismatch!,
      starTokenMismatches: facts.token_mismatch!,
      ledgerMismatches: facts.ledger_mismatch!,
      totalBelowRewards: facts.below_rewards!,
      idempotencyKeys: facts.idempotency_keys!,
    }
  } finally {
    db.close()
  }
}
