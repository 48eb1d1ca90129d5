-- Player ids compare byte by byte, whatever the database's default collation: leaderboard ties then order as
-- in the Redis board and in SQLite, and index lookups compare ids with memcmp. Changing only the collation
-- keeps the rows as they are; Postgres rebuilds the indexes on user_id (the tables are locked meanwhile).
ALTER TABLE "notification_outbox" ALTER COLUMN "user_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "star_token_ledger" ALTER COLUMN "user_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "user_achievements" ALTER COLUMN "user_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "user_scores" ALTER COLUMN "user_id" SET DATA TYPE text COLLATE "C";