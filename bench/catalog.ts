/**
 * The seeded catalog and players, shared by the seeders, the pgbench script (through -D variables) and the
 * Lua scripts (through the environment): achievement n (1..50) has a fixed id, code, target and points.
 */

/** Progress targets, picked by n % 5: a fifth of the catalog unlocks on the first update. */
export const TARGETS = [1, 3, 10, 50, 100] as const
/** Points, picked by floor(n / 5) % 5, so targets and points are not correlated. */
export const POINTS = [5, 20, 50, 100, 500] as const
export const STAR_TOKEN_STEP = 500
/** Share of (player, achievement) pairs that start with some progress (~6 of 50 per player). */
export const SEED_PROGRESS_SHARE = 0.12

export const achievementId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
export const achievementCode = (n: number) => `bench-${String(n).padStart(2, '0')}`
export const playerId = (p: number) => `p${p}`
export const targetOf = (n: number) => TARGETS[n % TARGETS.length]!
export const pointsOf = (n: number) => POINTS[Math.floor(n / TARGETS.length) % POINTS.length]!

/** SQL (Postgres and SQLite) for the target / points of the achievement numbered by the integer expression `n`. */
export const targetSql = (n: string) => `(CASE ${TARGETS.map((t, i) => `WHEN (${n}) % ${TARGETS.length} = ${i} THEN ${t}`).join(' ')} END)`
export const pointsSql = (n: string) =>
  `(CASE ${POINTS.map((p, i) => `WHEN ((${n}) / ${TARGETS.length}) % ${POINTS.length} = ${i} THEN ${p}`).join(' ')} END)`

/** SQL (Postgres and SQLite): one delivered outbox entry per seeded unlock, as if every notification went out. */
export const SEED_DELIVERED_OUTBOX_SQL = `
  INSERT INTO notification_outbox (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta,
                                   star_tokens_awarded, metadata, status, attempts, next_attempt_at, created_at, delivered_at)
  SELECT ua.unlock_id, ua.user_id, ua.achievement_id, a.code, a.title, ua.reward_points, ua.reward_points, 0, NULL,
         'delivered', 1, ua.unlocked_at, ua.unlocked_at, ua.unlocked_at
  FROM user_achievements ua JOIN achievements a ON a.id = ua.achievement_id
  WHERE ua.is_completed`
