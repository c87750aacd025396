CREATE TABLE `verify_accounts` (
	`sid` text PRIMARY KEY NOT NULL,
	`auth_token_hash` text NOT NULL,
	`date_created` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `verify_api_keys` (
	`sid` text PRIMARY KEY NOT NULL,
	`account_sid` text NOT NULL,
	`secret_hash` text NOT NULL,
	`date_created` integer NOT NULL,
	FOREIGN KEY (`account_sid`) REFERENCES `verify_accounts`(`sid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `verify_challenges` (
	`sid` text PRIMARY KEY NOT NULL,
	`service_sid` text NOT NULL,
	`account_sid` text NOT NULL,
	`entity_sid` text,
	`factor_sid` text,
	`challenge` text NOT NULL,
	`rp_id` text NOT NULL,
	`origins` text NOT NULL,
	`user_verification` text NOT NULL,
	`allow_credentials` text NOT NULL,
	`status` text NOT NULL,
	`date_responded` integer,
	`expiration_date` integer NOT NULL,
	`date_created` integer NOT NULL,
	`date_updated` integer NOT NULL,
	FOREIGN KEY (`service_sid`) REFERENCES `verify_services`(`sid`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`entity_sid`) REFERENCES `verify_entities`(`sid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `verify_challenges_challenge` ON `verify_challenges` (`service_sid`,`challenge`);--> statement-breakpoint
CREATE INDEX `verify_challenges_entity` ON `verify_challenges` (`entity_sid`,`date_created`,`sid`);--> statement-breakpoint
CREATE TABLE `verify_entities` (
	`sid` text PRIMARY KEY NOT NULL,
	`service_sid` text NOT NULL,
	`account_sid` text NOT NULL,
	`identity` text NOT NULL,
	`date_created` integer NOT NULL,
	`date_updated` integer NOT NULL,
	FOREIGN KEY (`service_sid`) REFERENCES `verify_services`(`sid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `verify_entities_identity` ON `verify_entities` (`service_sid`,`identity`);--> statement-breakpoint
CREATE INDEX `verify_entities_page` ON `verify_entities` (`service_sid`,`date_created`,`sid`);--> statement-breakpoint
CREATE TABLE `verify_factors` (
	`sid` text PRIMARY KEY NOT NULL,
	`service_sid` text NOT NULL,
	`account_sid` text NOT NULL,
	`entity_sid` text NOT NULL,
	`friendly_name` text NOT NULL,
	`status` text NOT NULL,
	`factor_type` text NOT NULL,
	`config` text NOT NULL,
	`challenge` text NOT NULL,
	`registration_expires_at` integer NOT NULL,
	`algorithms` text NOT NULL,
	`credential_id` text,
	`public_key` blob,
	`counter` integer DEFAULT 0 NOT NULL,
	`transports` text,
	`aaguid` text,
	`backup_eligible` integer,
	`backed_up` integer,
	`date_last_approved` integer,
	`date_created` integer NOT NULL,
	`date_updated` integer NOT NULL,
	FOREIGN KEY (`service_sid`) REFERENCES `verify_services`(`sid`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`entity_sid`) REFERENCES `verify_entities`(`sid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `verify_factors_credential` ON `verify_factors` (`service_sid`,`credential_id`) WHERE credential_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `verify_factors_challenge` ON `verify_factors` (`service_sid`,`challenge`);--> statement-breakpoint
CREATE INDEX `verify_factors_page` ON `verify_factors` (`entity_sid`,`date_created`,`sid`);--> statement-breakpoint
CREATE TABLE `verify_services` (
	`sid` text PRIMARY KEY NOT NULL,
	`account_sid` text NOT NULL,
	`friendly_name` text NOT NULL,
	`settings` text NOT NULL,
	`passkeys` text NOT NULL,
	`date_created` integer NOT NULL,
	`date_updated` integer NOT NULL,
	FOREIGN KEY (`account_sid`) REFERENCES `verify_accounts`(`sid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `verify_services_account` ON `verify_services` (`account_sid`,`date_created`,`sid`);--> statement-breakpoint
CREATE TABLE `owlbank_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`number` text NOT NULL,
	`balance_cents` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `owlbank_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `owlbank_accounts_user` ON `owlbank_accounts` (`user_id`);--> statement-breakpoint
CREATE TABLE `owlbank_pending_signups` (
	`factor_sid` text PRIMARY KEY NOT NULL,
	`phone_number` text NOT NULL,
	`display_name` text NOT NULL,
	`verify_identity` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `owlbank_transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`description` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `owlbank_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `owlbank_transactions_account` ON `owlbank_transactions` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `owlbank_users` (
	`id` text PRIMARY KEY NOT NULL,
	`phone_number` text NOT NULL,
	`display_name` text NOT NULL,
	`verify_identity` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `owlbank_users_phone_number_unique` ON `owlbank_users` (`phone_number`);--> statement-breakpoint
CREATE UNIQUE INDEX `owlbank_users_verify_identity_unique` ON `owlbank_users` (`verify_identity`);