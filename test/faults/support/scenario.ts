import postgres from 'postgres'
import type Redis from 'ioredis'
import { playerOfKey, type PostRecord } from './load'

/** The achievements every drill posts progress for, all in one batch per post, with a score bonus. */
export const ACHIEVEMENTS = [
  { code: 'first-match', title: 'First Match', points: 10, progress_target: 1 },
  { code: 'regular', title: 'Regular', points: 100, progress_target: 3 },
] as const
export const SCORE_BONUS = 1
export const STAR_STEP = 50

export const POST_BODY = {
  updates: ACHIEVEMENTS.map((a) => ({ achievement_code: a.code, progress_delta: 1 })),
  score_bonus: SCORE_BONUS,
}

/** The service environment of a drill. Short notification leases so that a killed instance's leases end soon. */
export function serviceEnv(settings: { databaseUrl: string; redisUrl: string; boardKey: string; notificationUrl?: string }): Record<string, string> {
  return {
    ACHIEVEMENT_DATABASE_URL: settings.databaseUrl,
    ACHIEVEMENT_REDIS_URL: settings.redisUrl,
    LEADERBOARD_KEY: settings.boardKey,
    STAR_TOKEN_SCORE_STEP: String(STAR_STEP),
    ...(settings.notificationUrl ? { NOTIFICATION_SERVICE_URL: settings.notificationUrl } : {}),
    ACHIEVEMENT_NOTIFICATION_LEASE_MS: '2000',
    ACHIEVEMENT_NOTIFICATION_TIMEOUT_MS: '500',
    ACHIEVEMENT_NOTIFICATION_POLL_MS: '100',
  }
}

export async function createAchievements(baseUrl: string): Promise<void> {
  for (const achievement of ACHIEVEMENTS) {
    const response = await fetch(`${baseUrl}/api/v1/achievements/achievements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...achievement, description: '' }),
    })
    if (response.status !== 201) throw new Error(`creating ${achievement.code}: ${response.status} ${await response.text()}`)
  }
}

/** What the database holds after a drill. */
export interface DatabaseState {
  /** Idempotency keys whose work committed (marked done in the work's own transaction). */
  doneKeys: Set<string>
  /** Every idempotency key the service claimed (done, or still pending: accepted and not finished). */
  claimedKeys: Set<string>
  scores: Map<string, { total: number; unlocked: number; tokens: number }>
  progress: Map<string, Map<string, { current: number; completed: boolean; unlockId: string | null }>>
  ledger: Map<string, number>
  /** Outbox entry id (= unlock id) → status. */
  outbox: Map<string, string>
}

export async function readDatabase(url: string): Promise<DatabaseState> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const keys = await sql<{ key: string; state: string }[]>`select key, state from idempotency_keys`
    const scores = await sql<{ user_id: string; total_points: string; achievements_unlocked: number; star_tokens: number }[]>`
      select user_id, total_points::text, achievements_unlocked, star_tokens from user_scores`
    const rows = await sql<{ user_id: string; code: string; progress_current: number; is_completed: boolean; unlock_id: string | null }[]>`
      select ua.user_id, a.code, ua.progress_current, ua.is_completed, ua.unlock_id::text
      from user_achievements ua join achievements a on a.id = ua.achievement_id`
    const ledger = await sql<{ user_id: string; n: number }[]>`select user_id, count(*)::int as n from star_token_ledger group by user_id`
    const outbox = await sql<{ id: string; status: string }[]>`select id::text, status from notification_outbox`
    const progress = new Map<string, Map<string, { current: number; completed: boolean; unlockId: string | null }>>()
    for (const row of rows) {
      if (!progress.has(row.user_id)) progress.set(row.user_id, new Map())
      progress.get(row.user_id)!.set(row.code, { current: row.progress_current, completed: row.is_completed, unlockId: row.unlock_id })
    }
    return {
      doneKeys: new Set(keys.filter((row) => row.state === 'done').map((row) => row.key)),
      claimedKeys: new Set(keys.map((row) => row.key)),
      scores: new Map(scores.map((row) => [row.user_id, { total: Number(row.total_points), unlocked: row.achievements_unlocked, tokens: row.star_tokens }])),
      progress,
      ledger: new Map(ledger.map((row) => [row.user_id, row.n])),
      outbox: new Map(outbox.map((row) => [row.id, row.status])),
    }
  } finally {
    await sql.end()
  }
}

/** Unlock ids recorded in the database (each must be notified once). */
export function unlockIds(state: DatabaseState): Set<string> {
  const ids = new Set<string>()
  for (const achievements of state.progress.values()) for (const row of achievements.values()) if (row.unlockId) ids.add(row.unlockId)
  return ids
}

/**
 * Every player's state is exactly what the posts whose keys committed make it: n applied posts give
 * progress min(target, n), one unlock per reached target, total = n × bonus + unlocked points, star tokens =
 * floor(total / step) with one ledger row each, and one outbox entry per unlock. Returns the differences.
 */
export function inconsistencies(state: DatabaseState): string[] {
  const applied = new Map<string, number>()
  for (const key of state.doneKeys) applied.set(playerOfKey(key), (applied.get(playerOfKey(key)) ?? 0) + 1)
  const problems: string[] = []
  const players = new Set([...applied.keys(), ...state.scores.keys(), ...state.progress.keys()])
  for (const player of players) {
    const n = applied.get(player) ?? 0
    const reached = ACHIEVEMENTS.filter((a) => n >= a.progress_target)
    const total = n * SCORE_BONUS + reached.reduce((sum, a) => sum + a.points, 0)
    const expected = { total, unlocked: reached.length, tokens: Math.floor(total / STAR_STEP) }
    const score = state.scores.get(player)
    if (!score || score.total !== expected.total || score.unlocked !== expected.unlocked || score.tokens !== expected.tokens) {
      problems.push(`${player}: ${n} posts applied, expected ${JSON.stringify(expected)}, found ${JSON.stringify(score ?? null)}`)
    }
    if ((state.ledger.get(player) ?? 0) !== expected.tokens) problems.push(`${player}: ledger ${state.ledger.get(player) ?? 0} != ${expected.tokens}`)
    for (const achievement of ACHIEVEMENTS) {
      const row = state.progress.get(player)?.get(achievement.code)
      const current = Math.min(achievement.progress_target, n)
      const completed = n >= achievement.progress_target
      if ((row?.current ?? 0) !== current || (row?.completed ?? false) !== completed) {
        problems.push(`${player}/${achievement.code}: expected ${current}${completed ? ' done' : ''}, found ${JSON.stringify(row ?? null)}`)
      }
      if (row?.unlockId && !state.outbox.has(row.unlockId)) problems.push(`${player}/${achievement.code}: unlock without an outbox entry`)
    }
  }
  if (state.outbox.size !== unlockIds(state).size) problems.push(`${state.outbox.size} outbox entries for ${unlockIds(state).size} unlocks`)
  return problems.slice(0, 20)
}

/** Keys of posts answered 200 whose work is not in the database. */
export function acknowledgedButMissing(records: PostRecord[], state: DatabaseState): string[] {
  return records.filter((record) => record.status === 200 && !state.doneKeys.has(record.key)).map((record) => record.key)
}

/** Differences between the Redis board and the database's scores (players above zero). */
export async function leaderboardDifferences(redis: Redis, boardKey: string, databaseUrl: string): Promise<string[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql<{ user_id: string; total_points: string }[]>`select user_id, total_points::text from user_scores where total_points > 0`
    const flat = await redis.zrange(boardKey, 0, -1, 'WITHSCORES')
    const board = new Map<string, number>()
    for (let i = 0; i < flat.length; i += 2) board.set(flat[i]!, Number(flat[i + 1]))
    const problems: string[] = []
    if ((await redis.exists(`${boardKey}:marker`)) !== 1) problems.push('board marker missing (board not trusted)')
    for (const row of rows) {
      if (board.get(row.user_id) !== Number(row.total_points)) problems.push(`${row.user_id}: redis ${board.get(row.user_id)} != db ${row.total_points}`)
    }
    if (board.size !== rows.length) problems.push(`redis has ${board.size} players, db ${rows.length}`)
    return problems.slice(0, 20)
  } finally {
    await sql.end()
  }
}
