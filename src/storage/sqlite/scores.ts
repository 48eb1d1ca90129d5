import type { Database } from 'bun:sqlite'
import type { ScoreEntry, ScoreStore } from '../port'

interface ScoreRow {
  user_id: string
  total_points: number
}

const toEntries = (rows: ScoreRow[]): ScoreEntry[] => rows.map((row) => ({ userId: row.user_id, totalPoints: row.total_points }))

/**
 * The leaderboard's source of truth: players with total_points > 0, ordered as user_scores_ranking_idx
 * (`total_points desc, user_id`). SQLite compares text bytewise, as Redis does for equal scores.
 */
export class SqliteScoreStore implements ScoreStore {
  constructor(private readonly client: Database) {}

  async page(offset: number, limit: number): Promise<ScoreEntry[]> {
    const rows = this.client
      .query<ScoreRow, [number, number]>(
        `select user_id, total_points from user_scores
         where total_points > 0
         order by total_points desc, user_id
         limit ?1 offset ?2`,
      )
      .all(limit, offset)
    return toEntries(rows)
  }

  async count(): Promise<number> {
    const row = this.client.query<{ n: number }, []>('select count(*) as n from user_scores where total_points > 0').get()
    return row?.n ?? 0
  }

  async countAbove(score: number): Promise<number> {
    const row = this.client
      .query<{ n: number }, [number]>('select count(*) as n from user_scores where total_points > max(?1, 0)')
      .get(score)
    return row?.n ?? 0
  }

  async positionOf(userId: string): Promise<{ score: number; position: number } | null> {
    const row = this.client
      .query<{ total_points: number; position: number }, [string]>(
        `select me.total_points,
           (select count(*) from user_scores u where u.total_points > me.total_points)
           + (select count(*) from user_scores u where u.total_points = me.total_points and u.user_id < me.user_id) as position
         from user_scores me
         where me.user_id = ?1 and me.total_points > 0`,
      )
      .get(userId)
    return row ? { score: row.total_points, position: row.position } : null
  }

  async starTokensOf(userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map()
    const rows = this.client
      .query<{ user_id: string; star_tokens: number }, [string]>(
        'select user_id, star_tokens from user_scores where user_id in (select value from json_each(?1))',
      )
      .all(JSON.stringify(userIds))
    return new Map(rows.map((row) => [row.user_id, row.star_tokens]))
  }

  async scan(afterUserId: string | null, limit: number): Promise<ScoreEntry[]> {
    const rows = this.client
      .query<ScoreRow, [string, number]>(
        'select user_id, total_points from user_scores where user_id > ?1 and total_points > 0 order by user_id limit ?2',
      )
      .all(afterUserId ?? '', limit)
    return toEntries(rows)
  }
}
