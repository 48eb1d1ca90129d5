CREATE TABLE `achievements` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`points` integer NOT NULL,
	`category` text,
	`rarity` text,
	`icon_url` text,
	`is_secret` integer NOT NULL,
	`progress_target` integer NOT NULL,
	`auto_claim` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `achievements_code_key` ON `achievements` (`code`);--> statement-breakpoint
CREATE INDEX `achievements_newest_idx` ON `achievements` ("created_at" desc,`code`);--> statement-breakpoint
CREATE INDEX `achievements_category_newest_idx` ON `achievements` (`category`,"created_at" desc,`code`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`caller` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`result` text,
	`locked_until` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`caller`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `notification_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`achievement_id` text NOT NULL,
	`achievement_code` text NOT NULL,
	`title` text NOT NULL,
	`reward_points` integer NOT NULL,
	`score_delta` integer NOT NULL,
	`star_tokens_awarded` integer NOT NULL,
	`metadata` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`locked_until` integer,
	`locked_by` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`achievement_id`) REFERENCES `achievements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_outbox_unlock_key` ON `notification_outbox` (`user_id`,`achievement_id`);--> statement-breakpoint
CREATE INDEX `notification_outbox_due_idx` ON `notification_outbox` (`next_attempt_at`) WHERE "notification_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX `notification_outbox_parked_idx` ON `notification_outbox` (`created_at`) WHERE "notification_outbox"."status" = 'parked';--> statement-breakpoint
CREATE TABLE `star_token_ledger` (
	`user_id` text NOT NULL,
	`token_index` integer NOT NULL,
	`score_at_award` integer NOT NULL,
	`awarded_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `token_index`)
);
--> statement-breakpoint
CREATE TABLE `user_achievements` (
	`user_id` text NOT NULL,
	`achievement_id` text NOT NULL,
	`progress_current` integer NOT NULL,
	`is_completed` integer NOT NULL,
	`unlocked_at` integer,
	`reward_points` integer,
	`unlock_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `achievement_id`),
	FOREIGN KEY (`achievement_id`) REFERENCES `achievements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `user_achievements_unlocked_idx` ON `user_achievements` (`achievement_id`) WHERE "user_achievements"."is_completed" = 1;--> statement-breakpoint
CREATE TABLE `user_scores` (
	`user_id` text PRIMARY KEY NOT NULL,
	`total_points` integer NOT NULL,
	`achievements_unlocked` integer NOT NULL,
	`star_tokens` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `user_scores_ranking_idx` ON `user_scores` ("total_points" desc,`user_id`);