CREATE TABLE "owlbank_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"number" text NOT NULL,
	"balance_cents" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_one_time_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"phone_number" text NOT NULL,
	"code_hash" text NOT NULL,
	"requester" text DEFAULT '' NOT NULL,
	"expires_at" bigint NOT NULL,
	"tries" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"phone_number" text NOT NULL,
	"body" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_passkey_credentials" (
	"factor_sid" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"credential_id" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_pending_recoveries" (
	"factor_sid" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_pending_signups" (
	"factor_sid" text PRIMARY KEY NOT NULL,
	"phone_number" text NOT NULL,
	"display_name" text NOT NULL,
	"verify_identity" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"webauthn_user_id" text
);
--> statement-breakpoint
CREATE TABLE "owlbank_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" bigint NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"created_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"created_by" text NOT NULL,
	"device" text NOT NULL,
	"created_from" text NOT NULL,
	"stepped_up_at" bigint
);
--> statement-breakpoint
CREATE TABLE "owlbank_session_step_ups" (
	"challenge_sid" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"description" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owlbank_transfers" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"from_account_id" text NOT NULL,
	"payee" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"memo" text NOT NULL,
	"status" text NOT NULL,
	"refused_reason" text,
	"challenge_sid" text NOT NULL,
	"challenge_expires_at" bigint NOT NULL,
	"digest" text NOT NULL,
	"created_at" bigint NOT NULL,
	"executed_at" bigint,
	CONSTRAINT "owlbank_transfers_challenge_sid_unique" UNIQUE("challenge_sid")
);
--> statement-breakpoint
CREATE TABLE "owlbank_users" (
	"id" text PRIMARY KEY NOT NULL,
	"phone_number" text NOT NULL,
	"display_name" text NOT NULL,
	"verify_identity" text NOT NULL,
	"created_at" bigint NOT NULL,
	"webauthn_user_id" text,
	CONSTRAINT "owlbank_users_phone_number_unique" UNIQUE("phone_number"),
	CONSTRAINT "owlbank_users_verify_identity_unique" UNIQUE("verify_identity")
);
--> statement-breakpoint
CREATE TABLE "verify_accounts" (
	"sid" text PRIMARY KEY NOT NULL,
	"auth_token_hash" text NOT NULL,
	"date_created" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verify_api_keys" (
	"sid" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"secret_hash" text NOT NULL,
	"date_created" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verify_challenges" (
	"sid" text PRIMARY KEY NOT NULL,
	"service_sid" text NOT NULL,
	"account_sid" text NOT NULL,
	"entity_sid" text,
	"factor_sid" text,
	"challenge" text NOT NULL,
	"rp_id" text NOT NULL,
	"origins" json NOT NULL,
	"user_verification" text NOT NULL,
	"allow_credentials" json NOT NULL,
	"status" text NOT NULL,
	"date_responded" bigint,
	"expiration_date" bigint NOT NULL,
	"date_created" bigint NOT NULL,
	"date_updated" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verify_entities" (
	"sid" text PRIMARY KEY NOT NULL,
	"service_sid" text NOT NULL,
	"account_sid" text NOT NULL,
	"identity" text NOT NULL,
	"date_created" bigint NOT NULL,
	"date_updated" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verify_factors" (
	"sid" text PRIMARY KEY NOT NULL,
	"service_sid" text NOT NULL,
	"account_sid" text NOT NULL,
	"entity_sid" text NOT NULL,
	"friendly_name" text NOT NULL,
	"status" text NOT NULL,
	"factor_type" text NOT NULL,
	"config" json NOT NULL,
	"challenge" text NOT NULL,
	"registration_expires_at" bigint NOT NULL,
	"algorithms" json NOT NULL,
	"credential_id" text,
	"public_key" "bytea",
	"counter" bigint DEFAULT 0 NOT NULL,
	"transports" json,
	"aaguid" text,
	"backup_eligible" boolean,
	"backed_up" boolean,
	"date_last_approved" bigint,
	"date_created" bigint NOT NULL,
	"date_updated" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verify_services" (
	"sid" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"friendly_name" text NOT NULL,
	"settings" json NOT NULL,
	"passkeys" json NOT NULL,
	"date_created" bigint NOT NULL,
	"date_updated" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "owlbank_accounts" ADD CONSTRAINT "owlbank_accounts_user_id_owlbank_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."owlbank_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_passkey_credentials" ADD CONSTRAINT "owlbank_passkey_credentials_user_id_owlbank_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."owlbank_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_pending_recoveries" ADD CONSTRAINT "owlbank_pending_recoveries_user_id_owlbank_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."owlbank_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_sessions" ADD CONSTRAINT "owlbank_sessions_user_id_owlbank_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."owlbank_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_session_step_ups" ADD CONSTRAINT "owlbank_session_step_ups_session_id_owlbank_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."owlbank_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_transactions" ADD CONSTRAINT "owlbank_transactions_account_id_owlbank_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."owlbank_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_transfers" ADD CONSTRAINT "owlbank_transfers_user_id_owlbank_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."owlbank_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owlbank_transfers" ADD CONSTRAINT "owlbank_transfers_from_account_id_owlbank_accounts_id_fk" FOREIGN KEY ("from_account_id") REFERENCES "public"."owlbank_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_api_keys" ADD CONSTRAINT "verify_api_keys_account_sid_verify_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."verify_accounts"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_challenges" ADD CONSTRAINT "verify_challenges_service_sid_verify_services_sid_fk" FOREIGN KEY ("service_sid") REFERENCES "public"."verify_services"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_challenges" ADD CONSTRAINT "verify_challenges_entity_sid_verify_entities_sid_fk" FOREIGN KEY ("entity_sid") REFERENCES "public"."verify_entities"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_entities" ADD CONSTRAINT "verify_entities_service_sid_verify_services_sid_fk" FOREIGN KEY ("service_sid") REFERENCES "public"."verify_services"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_factors" ADD CONSTRAINT "verify_factors_service_sid_verify_services_sid_fk" FOREIGN KEY ("service_sid") REFERENCES "public"."verify_services"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_factors" ADD CONSTRAINT "verify_factors_entity_sid_verify_entities_sid_fk" FOREIGN KEY ("entity_sid") REFERENCES "public"."verify_entities"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verify_services" ADD CONSTRAINT "verify_services_account_sid_verify_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."verify_accounts"("sid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "owlbank_accounts_user" ON "owlbank_accounts" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "owlbank_one_time_codes_requester" ON "owlbank_one_time_codes" USING btree ("purpose","phone_number","requester");--> statement-breakpoint
CREATE INDEX "owlbank_outbox_created" ON "owlbank_outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "owlbank_passkey_credentials_user" ON "owlbank_passkey_credentials" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "owlbank_rate_limits_window" ON "owlbank_rate_limits" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "owlbank_sessions_user" ON "owlbank_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "owlbank_transactions_account" ON "owlbank_transactions" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "owlbank_transfers_user" ON "owlbank_transfers" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "verify_challenges_challenge" ON "verify_challenges" USING btree ("service_sid","challenge");--> statement-breakpoint
CREATE INDEX "verify_challenges_entity" ON "verify_challenges" USING btree ("entity_sid","date_created","sid");--> statement-breakpoint
CREATE UNIQUE INDEX "verify_entities_identity" ON "verify_entities" USING btree ("service_sid","identity");--> statement-breakpoint
CREATE INDEX "verify_entities_page" ON "verify_entities" USING btree ("service_sid","date_created","sid");--> statement-breakpoint
CREATE UNIQUE INDEX "verify_factors_credential" ON "verify_factors" USING btree ("service_sid","credential_id") WHERE credential_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "verify_factors_challenge" ON "verify_factors" USING btree ("service_sid","challenge");--> statement-breakpoint
CREATE INDEX "verify_factors_page" ON "verify_factors" USING btree ("entity_sid","date_created","sid");--> statement-breakpoint
CREATE INDEX "verify_services_account" ON "verify_services" USING btree ("account_sid","date_created","sid");