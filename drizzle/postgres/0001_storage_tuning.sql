-- Leave room in each page so that progress and score updates that change no indexed column stay HOT
-- (heap-only: no new index entries), which is most progress posts.
ALTER TABLE "user_achievements" SET (fillfactor = 85);--> statement-breakpoint
ALTER TABLE "user_scores" SET (fillfactor = 85);
