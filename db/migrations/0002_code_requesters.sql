CREATE TABLE `owlbank_rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `owlbank_rate_limits_window` ON `owlbank_rate_limits` (`window_start`);--> statement-breakpoint
DROP INDEX `owlbank_one_time_codes_number`;--> statement-breakpoint
ALTER TABLE `owlbank_one_time_codes` ADD `requester` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `owlbank_one_time_codes_requester` ON `owlbank_one_time_codes` (`purpose`,`phone_number`,`requester`);