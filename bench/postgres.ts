import postgres from 'postgres'
import { SEED_DELIVERED_OUTBOX_SQL, SEED_PROGRESS_SHARE, STAR_TOKEN_STEP, pointsSql, targetSql } from './catalog'
import { FACTS_SQL, SCORES_SQL, toDatabaseFacts, type DatabaseFacts } from './facts'

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
    await sql.unsafe(SEED_DELIVERED_OUTBOX_SQL)
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

/**
 * Before a measured phase: vacuums (this machine's Postgres runs without autovacuum, so the dead rows of the
 * phases before would pile up, and the later phases and rounds would run on ever more bloated tables and
 * indexes, as no production server with autovacuum does), then flushes dirty pages, so that a checkpoint does
 * not land in one phase and not another.
 */
export async function settleBeforePhase(url: string): Promise<void> {
  const sql = connect(url)
  try {
    await sql.unsafe(`VACUUM (ANALYZE)`)
    await sql.unsafe(`CHECKPOINT`)
  } finally {
    await sql.end()
  }
}

export type { DatabaseFacts } from './facts'

export async function readDatabaseFacts(url: string): Promise<DatabaseFacts> {
  const sql = connect(url)
  try {
    const scores = await sql.unsafe<{ user_id: string; total_points: string }[]>(SCORES_SQL)
    const [facts] = await sql.unsafe<Record<string, string>[]>(FACTS_SQL)
    return toDatabaseFacts(scores, facts!)
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
