CREATE TABLE `owlbank_rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `owlbank_rate_limits_window` ON `owlbank_rate_limits` (`window_start`);--> statement-breakpoint
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
DROP INDEX `owlbank_one_time_codes_number`;--> statement-breakpoint
ALTER TABLE `owlbank_one_time_codes` ADD `requester` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `owlbank_one_time_codes_requester` ON `owlbank_one_time_codes` (`purpose`,`phone_number`,`requester`);--> statement-breakpoint
ALTER TABLE `owlbank_users` DROP COLUMN `last_passkey_at`;