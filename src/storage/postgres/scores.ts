import type { PgSql } from './connection'
import type { ScoreEntry, ScoreStore } from '../port'

// postgres.js returns int8 (bigint, count(*)) as strings.
const toEntries = (rows: readonly { user_id: string; total_points: string | number }[]): ScoreEntry[] =>
  rows.map((row) => ({ userId: row.user_id, totalPoints: Number(row.total_points) }))

/**
 * The leaderboard's source of truth: players with total_points > 0. The ordering is written exactly as the
 * user_scores_ranking_idx index (`total_points desc nulls last, user_id`) so that Postgres walks the index.
 */
export class PostgresScoreStore implements ScoreStore {
  constructor(private readonly sql: PgSql) {}

  async page(offset: number, limit: number): Promise<ScoreEntry[]> {
    const rows = await this.sql<{ user_id: string; total_points: string }[]>`
      select user_id, total_points from user_scores
      where total_points > 0
      order by total_points desc nulls last, user_id
      limit ${limit} offset ${offset}`
    return toEntries(rows)
  }

  async count(): Promise<number> {
    const [row] = await this.sql<{ n: string }[]>`select count(*) as n from user_scores where total_points > 0`
    return Number(row?.n ?? 0)
  }

  async countAbove(score: number): Promise<number> {
    const [row] = await this.sql<{ n: string }[]>`
      select count(*) as n from user_scores where total_points > greatest(${score}::int8, 0)`
    return Number(row?.n ?? 0)
  }

  async positionOf(userId: string): Promise<{ score: number; position: number } | null> {
    const [row] = await this.sql<{ total_points: string; position: string }[]>`
      select me.total_points,
        (select count(*) from user_scores u where u.total_points > me.total_points)
        + (select count(*) from user_scores u where u.total_points = me.total_points and u.user_id < me.user_id) as position
      from user_scores me
      where me.user_id = ${userId} and me.total_points > 0`
    return row ? { score: Number(row.total_points), position: Number(row.position) } : null
  }

  async starTokensOf(userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map()
    const rows = await this.sql<{ user_id: string; star_tokens: number }[]>`
      select user_id, star_tokens from user_scores where user_id = any(${this.sql.array(userIds)}::text[])`
    return new Map(rows.map((row) => [row.user_id, Number(row.star_tokens)]))
  }

  async scan(afterUserId: string | null, limit: number): Promise<ScoreEntry[]> {
    const rows =
      afterUserId === null
        ? await this.sql<{ user_id: string; total_points: string }[]>`
            select user_id, total_points from user_scores where total_points > 0 order by user_id limit ${limit}`
        : await this.sql<{ user_id: string; total_points: string }[]>`
            select user_id, total_points from user_scores
            where user_id > ${afterUserId} and total_points > 0 order by user_id limit ${limit}`
    return toEntries(rows)
  }
}
