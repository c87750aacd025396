/**
 * OwlBank's tables for PostgreSQL: the same tables, columns, keys and indexes as
 * db/schema/sqlite/owlbank.ts, which documents what each one means (db/schema/equivalence.test.ts
 * checks the definitions match). Times are epoch milliseconds, beyond int4, hence `bigint` in
 * "number" mode; so are money and counters, to read back as the same JavaScript numbers.
 */
import { bigint, index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { SESSION_ORIGINS } from "../sqlite/owlbank";

// One list for both engines: the facade (db/schema/owlbank.ts) exports the SQLite one.
export { SESSION_ORIGINS };

export const users = pgTable("owlbank_users", {
  id: text("id").primaryKey(),
  phoneNumber: text("phone_number").notNull().unique(),
  displayName: text("display_name").notNull(),
  verifyIdentity: text("verify_identity").notNull().unique(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  webauthnUserId: text("webauthn_user_id"),
});

export const sessions = pgTable(
  "owlbank_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    lastSeenAt: bigint("last_seen_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    createdBy: text("created_by", { enum: SESSION_ORIGINS }).notNull(),
    device: text("device").notNull(),
    createdFrom: text("created_from").notNull(),
    steppedUpAt: bigint("stepped_up_at", { mode: "number" }),
  },
  (t) => [index("owlbank_sessions_user").on(t.userId)],
);

export const pendingSignups = pgTable("owlbank_pending_signups", {
  factorSid: text("factor_sid").primaryKey(),
  phoneNumber: text("phone_number").notNull(),
  displayName: text("display_name").notNull(),
  verifyIdentity: text("verify_identity").notNull(),
  expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
  webauthnUserId: text("webauthn_user_id"),
});

export const bankAccounts = pgTable(
  "owlbank_accounts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    number: text("number").notNull(),
    balanceCents: bigint("balance_cents", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_accounts_user").on(t.userId)],
);

export const transactions = pgTable(
  "owlbank_transactions",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => bankAccounts.id, { onDelete: "cascade" }),
    description: text("description").notNull(),
    amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_transactions_account").on(t.accountId, t.createdAt)],
);

export const passkeyCredentials = pgTable(
  "owlbank_passkey_credentials",
  {
    factorSid: text("factor_sid").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text("credential_id").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_passkey_credentials_user").on(t.userId)],
);

export const transfers = pgTable(
  "owlbank_transfers",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fromAccountId: text("from_account_id")
      .notNull()
      .references(() => bankAccounts.id, { onDelete: "cascade" }),
    payee: text("payee").notNull(),
    amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
    memo: text("memo").notNull(),
    status: text("status", { enum: ["draft", "executed", "refused"] }).notNull(),
    refusedReason: text("refused_reason"),
    challengeSid: text("challenge_sid").notNull().unique(),
    challengeExpiresAt: bigint("challenge_expires_at", { mode: "number" }).notNull(),
    digest: text("digest").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    executedAt: bigint("executed_at", { mode: "number" }),
  },
  (t) => [index("owlbank_transfers_user").on(t.userId, t.createdAt)],
);

export const stepUpChallenges = pgTable("owlbank_session_step_ups", {
  challengeSid: text("challenge_sid").primaryKey(),
  sessionId: text("session_id")
    .notNull()
    .references(() => sessions.id, { onDelete: "cascade" }),
  expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
});

export const pendingRecoveries = pgTable("owlbank_pending_recoveries", {
  factorSid: text("factor_sid").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
});

export const oneTimeCodes = pgTable(
  "owlbank_one_time_codes",
  {
    id: text("id").primaryKey(),
    purpose: text("purpose", { enum: ["sign_up", "recovery", "phone_change"] }).notNull(),
    phoneNumber: text("phone_number").notNull(),
    codeHash: text("code_hash").notNull(),
    requester: text("requester").notNull().default(""),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    tries: bigint("tries", { mode: "number" }).notNull().default(0),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("owlbank_one_time_codes_requester").on(t.purpose, t.phoneNumber, t.requester)],
);

export const rateLimitWindows = pgTable(
  "owlbank_rate_limits",
  {
    key: text("key").primaryKey(),
    windowStart: bigint("window_start", { mode: "number" }).notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_rate_limits_window").on(t.windowStart)],
);

/** Leases for one-at-a-time work (db/schema/sqlite/owlbank.ts). */
export const leases = pgTable("owlbank_leases", {
  key: text("key").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
});

/** Installation fingerprints (db/schema/sqlite/owlbank.ts). */
export const installation = pgTable("owlbank_installation", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const outbox = pgTable(
  "owlbank_outbox",
  {
    id: text("id").primaryKey(),
    phoneNumber: text("phone_number").notNull(),
    body: text("body").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_outbox_created").on(t.createdAt)],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type SessionOrigin = Session["createdBy"];
export type Transfer = typeof transfers.$inferSelect;
export type CodePurpose = (typeof oneTimeCodes.$inferSelect)["purpose"];
