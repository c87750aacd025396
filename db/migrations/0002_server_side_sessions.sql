CREATE TABLE `owlbank_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`device` text NOT NULL,
	`created_from` text NOT NULL,
	`stepped_up_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `owlbank_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `owlbank_sessions_user` ON `owlbank_sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `owlbank_session_step_ups` (
	`challenge_sid` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `owlbank_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP TABLE `owlbank_step_up_challenges`;--> statement-breakpoint
ALTER TABLE `owlbank_users` DROP COLUMN `last_passkey_at`;