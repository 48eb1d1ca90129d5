CREATE TABLE "achievements" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"points" integer NOT NULL,
	"category" text,
	"rarity" text,
	"icon_url" text,
	"is_secret" boolean NOT NULL,
	"progress_target" integer NOT NULL,
	"auto_claim" boolean NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"caller" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"state" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"result" text,
	"locked_until" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_caller_key_pk" PRIMARY KEY("caller","key")
);
--> statement-breakpoint
CREATE TABLE "notification_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"achievement_id" uuid NOT NULL,
	"achievement_code" text NOT NULL,
	"title" text NOT NULL,
	"reward_points" integer NOT NULL,
	"score_delta" bigint NOT NULL,
	"star_tokens_awarded" integer NOT NULL,
	"metadata" jsonb,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"locked_until" timestamp (3) with time zone,
	"locked_by" text,
	"last_error" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"delivered_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "star_token_ledger" (
	"user_id" text NOT NULL,
	"token_index" integer NOT NULL,
	"score_at_award" bigint NOT NULL,
	"awarded_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "star_token_ledger_user_id_token_index_pk" PRIMARY KEY("user_id","token_index")
);
--> statement-breakpoint
CREATE TABLE "user_achievements" (
	"user_id" text NOT NULL,
	"achievement_id" uuid NOT NULL,
	"progress_current" integer NOT NULL,
	"is_completed" boolean NOT NULL,
	"unlocked_at" timestamp (3) with time zone,
	"reward_points" integer,
	"unlock_id" uuid,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "user_achievements_user_id_achievement_id_pk" PRIMARY KEY("user_id","achievement_id")
);
--> statement-breakpoint
CREATE TABLE "user_scores" (
	"user_id" text PRIMARY KEY NOT NULL,
	"total_points" bigint NOT NULL,
	"achievements_unlocked" integer NOT NULL,
	"star_tokens" integer NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_outbox" ADD CONSTRAINT "notification_outbox_achievement_id_achievements_id_fk" FOREIGN KEY ("achievement_id") REFERENCES "public"."achievements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_achievements" ADD CONSTRAINT "user_achievements_achievement_id_achievements_id_fk" FOREIGN KEY ("achievement_id") REFERENCES "public"."achievements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "achievements_code_key" ON "achievements" USING btree ("code");--> statement-breakpoint
CREATE INDEX "achievements_newest_idx" ON "achievements" USING btree ("created_at" DESC NULLS LAST,"code");--> statement-breakpoint
CREATE INDEX "achievements_category_newest_idx" ON "achievements" USING btree ("category","created_at" DESC NULLS LAST,"code");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_outbox_unlock_key" ON "notification_outbox" USING btree ("user_id","achievement_id");--> statement-breakpoint
CREATE INDEX "notification_outbox_due_idx" ON "notification_outbox" USING btree ("next_attempt_at") WHERE "notification_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "notification_outbox_parked_idx" ON "notification_outbox" USING btree ("created_at") WHERE "notification_outbox"."status" = 'parked';--> statement-breakpoint
CREATE INDEX "user_achievements_unlocked_idx" ON "user_achievements" USING btree ("achievement_id") WHERE "user_achievements"."is_completed";--> statement-breakpoint
CREATE INDEX "user_scores_ranking_idx" ON "user_scores" USING btree ("total_points" DESC NULLS LAST,"user_id");