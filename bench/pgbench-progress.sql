-- Baseline: one progress write as ONE single-statement transaction (the data-modifying CTE shape of
-- design.md): upsert a progress row, then add what it unlocked to the score row. Random player and
-- achievement; target and points as seeded (bench/catalog.ts passes them in with -D t0..t4, p0..p4).
-- Runs on copies of the tables (baseline_*) so the service's rows and the Redis board stay untouched.
\set player random(1, :players)
\set n random(1, :achievements)
\set delta random(1, 3)
\set target case when :n % 5 = 0 then :t0 when :n % 5 = 1 then :t1 when :n % 5 = 2 then :t2 when :n % 5 = 3 then :t3 else :t4 end
\set points case when (:n / 5) % 5 = 0 then :p0 when (:n / 5) % 5 = 1 then :p1 when (:n / 5) % 5 = 2 then :p2 when (:n / 5) % 5 = 3 then :p3 else :p4 end
WITH upserted AS (
  INSERT INTO baseline_user_achievements AS ua
    (user_id, achievement_id, progress_current, is_completed, unlocked_at, reward_points, created_at, updated_at)
  VALUES ('p' || :player::int, ('00000000-0000-4000-8000-' || lpad(:n::int::text, 12, '0'))::uuid,
          LEAST(:delta::int, :target::int), :delta::int >= :target::int,
          CASE WHEN :delta::int >= :target::int THEN now() END,
          CASE WHEN :delta::int >= :target::int THEN :points::int END, now(), now())
  ON CONFLICT (user_id, achievement_id) DO UPDATE SET
    progress_current = LEAST(ua.progress_current + :delta::int, :target::int),
    is_completed = ua.is_completed OR ua.progress_current + :delta::int >= :target::int,
    unlocked_at = CASE WHEN ua.is_completed THEN ua.unlocked_at
                       WHEN ua.progress_current + :delta::int >= :target::int THEN now() END,
    reward_points = CASE WHEN ua.is_completed THEN ua.reward_points
                         WHEN ua.progress_current + :delta::int >= :target::int THEN :points::int END,
    updated_at = now()
  -- now() is the transaction's start: a row unlocked by this statement carries exactly it.
  RETURNING CASE WHEN ua.unlocked_at = now() THEN ua.reward_points ELSE 0 END AS gained
)
UPDATE baseline_user_scores s
SET total_points = s.total_points + u.gained,
    achievements_unlocked = s.achievements_unlocked + (u.gained > 0)::int,
    updated_at = now()
FROM upserted u
WHERE s.user_id = 'p' || :player::int
RETURNING s.total_points;
