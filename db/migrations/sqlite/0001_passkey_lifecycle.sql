CREATE TABLE `owlbank_one_time_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`phone_number` text NOT NULL,
	`code_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `owlbank_one_time_codes_number` ON `owlbank_one_time_codes` (`purpose`,`phone_number`);--> statement-breakpoint
CREATE TABLE `owlbank_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`phone_number` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `owlbank_outbox_created` ON `owlbank_outbox` (`created_at`);--> statement-breakpoint
CREATE TABLE `owlbank_passkey_credentials` (
	`factor_sid` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`credential_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `owlbank_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `owlbank_passkey_credentials_user` ON `owlbank_passkey_credentials` (`user_id`);--> statement-breakpoint
CREATE TABLE `owlbank_pending_recoveries` (
	`factor_sid` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `owlbank_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `owlbank_step_up_challenges` (
	`challenge_sid` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `owlbank_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `owlbank_transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`from_account_id` text NOT NULL,
	`payee` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`memo` text NOT NULL,
	`status` text NOT NULL,
	`refused_reason` text,
	`challenge_sid` text NOT NULL,
	`challenge_expires_at` integer NOT NULL,
	`digest` text NOT NULL,
	`created_at` integer NOT NULL,
	`executed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `owlbank_users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`from_account_id`) REFERENCES `owlbank_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `owlbank_transfers_challenge_sid_unique` ON `owlbank_transfers` (`challenge_sid`);--> statement-breakpoint
CREATE INDEX `owlbank_transfers_user` ON `owlbank_transfers` (`user_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `owlbank_pending_signups` ADD `webauthn_user_id` text;--> statement-breakpoint
ALTER TABLE `owlbank_users` ADD `last_passkey_at` integer;--> statement-breakpoint
ALTER TABLE `owlbank_users` ADD `webauthn_user_id` text;