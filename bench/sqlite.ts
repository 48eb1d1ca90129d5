import { Database } from 'bun:sqlite'
import { SEED_DELIVERED_OUTBOX_SQL, SEED_PROGRESS_SHARE, STAR_TOKEN_STEP, pointsSql, targetSql } from './catalog'
import { FACTS_SQL, SCORES_SQL, toDatabaseFacts, type DatabaseFacts } from './facts'
import type { SeedSummary } from './postgres'

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
      db.exec(SEED_DELIVERED_OUTBOX_SQL)
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
    const scores = db.query<{ user_id: string; total_points: number }, []>(SCORES_SQL).all()
    return toDatabaseFacts(scores, db.query<Record<string, number>, []>(FACTS_SQL).get()!)
  } finally {
    db.close()
  }
}
