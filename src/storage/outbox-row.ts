import type { OutboxEntry } from './port'

/** Longest delivery error kept on an outbox row. */
export const MAX_OUTBOX_ERROR_CHARS = 500

/** An outbox row as both adapters select it (snake_case columns, times as epoch milliseconds). */
export interface OutboxRow {
  id: string
  user_id: string
  achievement_code: string
  title: string
  reward_points: number
  /** A Postgres bigint, which postgres.js returns as a string. */
  score_delta: string | number
  star_tokens_awarded: number
  /** jsonb (an object) on Postgres, JSON text on SQLite, or null. */
  metadata: unknown
  attempts: number
  created_at: number
  next_attempt_at: number
  status: string
}

function toMetadata(value: unknown): Record<string, unknown> | null {
  if (typeof value === 'string') {
    try {
      return toMetadata(JSON.parse(value))
    } catch {
      return null
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

export function outboxEntryOf(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    userId: row.user_id,
    achievementCode: row.achievement_code,
    title: row.title,
    rewardPoints: row.reward_points,
    scoreDelta: Number(row.score_delta),
    starTokensAwarded: row.star_tokens_awarded,
    metadata: toMetadata(row.metadata),
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
  }
}
