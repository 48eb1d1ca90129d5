ALTER TABLE "notification_outbox" DROP CONSTRAINT "notification_outbox_achievement_id_achievements_id_fk";
--> statement-breakpoint
ALTER TABLE "user_achievements" DROP CONSTRAINT "user_achievements_achievement_id_achievements_id_fk";
