import postgres from 'postgres'
import { SEED_PROGRESS_SHARE, STAR_TOKEN_STEP, pointsSql, targetSql } from './catalog'

type Sql = postgres.Sql<Record<string, never>>

export interface BenchDatabase {
  name: string
  url: string
}

const connect = (url: string, max = 1): Sql => postgres(url, { max, onnotice: () => {} }) as unknown as Sql

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `ach_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
  const admin = connect(adminUrl)
  try {
    await admin.unsafe(`create database "${name}"`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { name, url: url.toString() }
}

export async function dropBenchDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = connect(adminUrl)
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`)
  } finally {
    await admin.end()
  }
}

export interface SeedSummary {
  achievements: number
  players: number
  progressRows: number
  unlocked: number
  ms: number
}

/**
 * Bulk seed, after the service's migrations ran: the catalog, ~6 progress rows per player (some completed),
 * user_scores equal to the sum of the unlocked rewards, the star-token ledger and one delivered outbox entry
 * per seeded unlock (so "one outbox entry per unlock" holds for the whole table).
 */
export async function seedPostgres(url: string, players: number, achievements: number): Promise<SeedSummary> {
  const startedAt = Date.now()
  const sql = connect(url)
  try {
    await sql.unsafe(`
      INSERT INTO achievements (id, code, title, description, points, category, rarity, icon_url, is_secret,
                                progress_target, auto_claim, created_at, updated_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'bench-' || lpad(n::text, 2, '0'),
             'Bench achievement ' || n, 'Seeded by bun run bench', ${pointsSql('n')},
             (ARRAY['combat', 'explore', 'social'])[1 + n % 3], NULL, NULL, n % 10 = 0, ${targetSql('n')}, true,
             now() - make_interval(mins => n), now() - make_interval(mins => n)
      FROM generate_series(1, ${achievements}) AS n`)
    await sql.unsafe(`SELECT setseed(0.42)`)
    await sql.unsafe(`
      INSERT INTO user_achievements (user_id, achievement_id, progress_current, is_completed, unlocked_at,
                                     reward_points, unlock_id, created_at, updated_at)
      SELECT 'p' || p, a.id, x.v, x.v >= a.progress_target,
             CASE WHEN x.v >= a.progress_target THEN x.at END,
             CASE WHEN x.v >= a.progress_target THEN a.points END,
             CASE WHEN x.v >= a.progress_target THEN gen_random_uuid() END,
             x.at, x.at
      FROM generate_series(1, ${players}) AS p
      CROSS JOIN achievements a
      CROSS JOIN LATERAL (
        SELECT LEAST(a.progress_target, 1 + floor(random() * a.progress_target * 1.3)::int) AS v,
               now() - random() * interval '30 days' AS at, random() AS pick,
               -- Naming p keeps this per (player, achievement): otherwise the planner may compute it once per achievement.
               p AS player
      ) x
      WHERE x.pick < ${SEED_PROGRESS_SHARE}`)
    await sql.unsafe(`
      INSERT INTO user_scores (user_id, total_points, achievements_unlocked, star_tokens, created_at, updated_at)
      SELECT 'p' || p, COALESCE(s.total, 0), COALESCE(s.unlocked, 0), COALESCE(s.total, 0) / ${STAR_TOKEN_STEP}, now(), now()
      FROM generate_series(1, ${players}) AS p
      LEFT JOIN (
        SELECT user_id, sum(reward_points) AS total, count(*) AS unlocked
        FROM user_achievements WHERE is_completed GROUP BY user_id
      ) s ON s.user_id = 'p' || p`)
    await sql.unsafe(`
      INSERT INTO star_token_ledger (user_id, token_index, score_at_award, awarded_at)
      SELECT s.user_id, k, k * ${STAR_TOKEN_STEP}, now()
      FROM user_scores s CROSS JOIN LATERAL generate_series(1, s.star_tokens) AS k`)
    await sql.unsafe(`
      INSERT INTO notification_outbox (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta,
                                       star_tokens_awarded, metadata, status, attempts, next_attempt_at, created_at, delivered_at)
      SELECT ua.unlock_id, ua.user_id, ua.achievement_id, a.code, a.title, ua.reward_points, ua.reward_points, 0, NULL,
             'delivered', 1, ua.unlocked_at, ua.unlocked_at, ua.unlocked_at
      FROM user_achievements ua JOIN achievements a ON a.id = ua.achievement_id
      WHERE ua.is_completed`)
    await prepareBaselineTables(sql)
    await sql.unsafe(`VACUUM ANALYZE`)
    await sql.unsafe(`CHECKPOINT`)
    const [counts] = await sql.unsafe<{ rows: string; unlocked: string }[]>(
      `SELECT count(*) AS rows, count(*) FILTER (WHERE is_completed) AS unlocked FROM user_achievements`,
    )
    return {
      achievements,
      players,
      progressRows: Number(counts!.rows),
      unlocked: Number(counts!.unlocked),
      ms: Date.now() - startedAt,
    }
  } finally {
    await sql.end()
  }
}

/**
 * pgbench writes to copies of the progress and score tables (same data, indexes and foreign key), so the
 * baseline sees the same table sizes without touching the rows the service and the Redis board hold.
 */
async function prepareBaselineTables(sql: Sql): Promise<void> {
  for (const table of ['user_achievements', 'user_scores']) {
    const copy = `baseline_${table}`
    await sql.unsafe(`CREATE TABLE ${copy} (LIKE ${table} INCLUDING ALL)`)
    // LIKE copies columns, defaults and indexes but not storage parameters (e.g. the migrations' fillfactor).
    const [row] = await sql.unsafe<{ reloptions: string[] | null }[]>(`SELECT reloptions FROM pg_class WHERE oid = '${table}'::regclass`)
    if (row?.reloptions?.length) await sql.unsafe(`ALTER TABLE ${copy} SET (${row.reloptions.join(', ')})`)
    await sql.unsafe(`INSERT INTO ${copy} SELECT * FROM ${table}`)
  }
  await sql.unsafe(`ALTER TABLE baseline_user_achievements ADD FOREIGN KEY (achievement_id) REFERENCES achievements (id)`)
}

/** Flushes dirty pages before a measured phase, so a checkpoint does not land in one phase and not another. */
export async function checkpoint(url: string): Promise<void> {
  const sql = connect(url)
  try {
    await sql.unsafe(`CHECKPOINT`)
  } finally {
    await sql.end()
  }
}

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

export async function readDatabaseFacts(url: string): Promise<DatabaseFacts> {
  const sql = connect(url)
  try {
    const rows = await sql.unsafe<{ user_id: string; total_points: string }[]>(
      `SELECT user_id, total_points FROM user_scores WHERE total_points > 0`,
    )
    const [facts] = await sql.unsafe<Record<string, string>[]>(`
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
    return {
      scores: new Map(rows.map((row) => [row.user_id, Number(row.total_points)])),
      unlocked: Number(facts!.unlocked),
      outbox: Number(facts!.outbox),
      unlockedCountMismatches: Number(facts!.unlocked_mismatch),
      starTokenMismatches: Number(facts!.token_mismatch),
      ledgerMismatches: Number(facts!.ledger_mismatch),
      totalBelowRewards: Number(facts!.below_rewards),
      idempotencyKeys: Number(facts!.idempotency_keys),
    }
  } finally {
    await sql.end()
  }
}

export async function serverVersion(url: string): Promise<string | null> {
  const sql = connect(url)
  try {
    const [row] = await sql.unsafe<{ server_version: string }[]>(`SHOW server_version`)
    return row?.server_version ?? null
  } catch {
    return null
  } finally {
    await sql.end()
  }
}
