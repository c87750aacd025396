/**
 * OwlBank's own tables. The phone number lives here and only here: Verify knows a user
 * solely by `verifyIdentity`, a random UUID.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("owlbank_users", {
  id: text("id").primaryKey(),
  /** E.164, validated with libphonenumber-js before it is stored. */
  phoneNumber: text("phone_number").notNull().unique(),
  displayName: text("display_name").notNull(),
  /** The Verify Entity identity: a random UUID, never derived from personal data. */
  verifyIdentity: text("verify_identity").notNull().unique(),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
  /**
   * The WebAuthn user handle (`user.id`, base64url) Verify gave this user's passkeys, as the
   * Signal API needs it. Learnt from creation options or an approved assertion; null until then.
   */
  webauthnUserId: text("webauthn_user_id"),
});

/** How a session began: the ceremony that created it. */
export const SESSION_ORIGINS = ["sign_in", "sign_up", "recovery"] as const;

/**
 * A signed-in browser. The session cookie names one of these rows and is refused once the
 * row is gone (signed out, revoked) or past `expiresAt` or its idle limit, so the server,
 * not the cookie, decides how long a session lives.
 */
export const sessions = sqliteTable(
  "owlbank_sessions",
  {
    /** 128 random bits, base64url; travels only inside the encrypted session cookie. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    /** Moved forward at most once a minute by requests that carry the cookie (idle timeout). */
    lastSeenAt: integer("last_seen_at", { mode: "number" }).notNull(),
    /** The absolute end: set at creation, never extended. */
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
    createdBy: text("created_by", { enum: SESSION_ORIGINS }).notNull(),
    /** "Chrome on macOS": coarse, from the User-Agent, for the customer's list of sessions. */
    device: text("device").notNull(),
    /** The client address that created it, as OwlBank saw it. */
    createdFrom: text("created_from").notNull(),
    /**
     * When this session last proved the customer present with a passkey (its own sign-in, a
     * step-up, a transfer approval, a new passkey). Sensitive changes need it recent. A
     * ceremony in another browser never moves it: a step-up belongs to one session.
     */
    steppedUpAt: integer("stepped_up_at", { mode: "number" }),
  },
  (t) => [index("owlbank_sessions_user").on(t.userId)],
);

/**
 * A sign-up whose passkey is not yet verified. The user row is created only once Verify
 * accepts the passkey, so a cancelled prompt leaves no half-made account behind.
 */
export const pendingSignups = sqliteTable("owlbank_pending_signups", {
  factorSid: text("factor_sid").primaryKey(),
  phoneNumber: text("phone_number").notNull(),
  displayName: text("display_name").notNull(),
  verifyIdentity: text("verify_identity").notNull(),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  /** `user.id` from the creation options, carried over to the user row. */
  webauthnUserId: text("webauthn_user_id"),
});

export const bankAccounts = sqliteTable(
  "owlbank_accounts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    number: text("number").notNull(),
    /** Integer cents: money is never a float. */
    balanceCents: integer("balance_cents", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_accounts_user").on(t.userId)],
);

export const transactions = sqliteTable(
  "owlbank_transactions",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => bankAccounts.id, { onDelete: "cascade" }),
    description: text("description").notNull(),
    amountCents: integer("amount_cents", { mode: "number" }).notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_transactions_account").on(t.accountId, t.createdAt)],
);

/**
 * Which WebAuthn credential backs each of a user's Verify factors. Verify never returns the
 * credential id, but the Signal API speaks only in credential ids, so OwlBank remembers the id
 * Verify accepted at registration (or at a sign-in, for passkeys made before this table).
 */
export const passkeyCredentials = sqliteTable(
  "owlbank_passkey_credentials",
  {
    factorSid: text("factor_sid").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** base64url, as the browser reports `credential.id`. */
    credentialId: text("credential_id").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_passkey_credentials_user").on(t.userId)],
);

/**
 * A transfer waiting for, or past, its passkey approval. The challenge is created for the
 * user's identity when the draft is made, and `digest` binds it to exactly these details.
 */
export const transfers = sqliteTable(
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
    /** Positive integer cents leaving `fromAccountId`. */
    amountCents: integer("amount_cents", { mode: "number" }).notNull(),
    memo: text("memo").notNull(),
    status: text("status", { enum: ["draft", "executed", "refused"] }).notNull(),
    /** Why a draft was refused, for the record (never shown raw). */
    refusedReason: text("refused_reason"),
    /** The Verify challenge that must approve this draft; one challenge, one draft. */
    challengeSid: text("challenge_sid").notNull().unique(),
    challengeExpiresAt: integer("challenge_expires_at", { mode: "number" }).notNull(),
    /** HMAC over the draft's details and challenge SID, taken when the challenge was issued. */
    digest: text("digest").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    executedAt: integer("executed_at", { mode: "number" }),
  },
  (t) => [index("owlbank_transfers_user").on(t.userId, t.createdAt)],
);

/**
 * Step-up challenges in flight: a challenge counts as a step-up only if OwlBank issued it as
 * one, in this session, so a sign-in or transfer approval (or another session's step-up)
 * cannot be replayed as a step-up.
 */
export const stepUpChallenges = sqliteTable("owlbank_session_step_ups", {
  challengeSid: text("challenge_sid").primaryKey(),
  sessionId: text("session_id")
    .notNull()
    .references(() => sessions.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
});

/**
 * A recovery that passed its one-time code and waits for the new passkey. Created only after
 * the code was accepted; the factor SID it names is handed only to that browser.
 */
export const pendingRecoveries = sqliteTable("owlbank_pending_recoveries", {
  factorSid: text("factor_sid").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
});

/**
 * One-time codes of the local outbox, stored as HMAC-SHA256 (keyed by a server secret) of
 * purpose, number and code, never the code. One active code per number, purpose and
 * requester: a stranger asking for a code to the same number gets a code of their own and
 * leaves the customer's alone.
 */
export const oneTimeCodes = sqliteTable(
  "owlbank_one_time_codes",
  {
    id: text("id").primaryKey(),
    purpose: text("purpose", { enum: ["sign_up", "recovery", "phone_change"] }).notNull(),
    phoneNumber: text("phone_number").notNull(),
    codeHash: text("code_hash").notNull(),
    /**
     * SHA-256 of the requester cookie of the browser that asked for the code
     * (lib/owlbank/code-requester.ts): only that browser can use it. Codes issued before
     * this column existed have '' and match no browser.
     */
    requester: text("requester").notNull().default(""),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
    /** Wrong guesses so far; the code is dead at the limit. */
    tries: integer("tries", { mode: "number" }).notNull().default(0),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("owlbank_one_time_codes_requester").on(t.purpose, t.phoneNumber, t.requester)],
);

/**
 * Fixed-window counters of OwlBank's code-related rate limits, kept in the database so a
 * limit holds across server processes (lib/owlbank/rate-limits.ts). `key` names the rule and
 * an HMAC of what is counted (an address, a number, a requester), never the value itself.
 */
export const rateLimitWindows = sqliteTable(
  "owlbank_rate_limits",
  {
    key: text("key").primaryKey(),
    windowStart: integer("window_start", { mode: "number" }).notNull(),
    count: integer("count", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_rate_limits_window").on(t.windowStart)],
);

/**
 * Leases that make one customer's passkey changes run one at a time across every instance
 * (lib/owlbank/one-at-a-time.ts). A lease past `expires_at` is free again, so an instance
 * killed while holding one blocks nobody for longer than that.
 */
export const leases = sqliteTable("owlbank_leases", {
  key: text("key").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
});

/**
 * Facts about the installation every instance must agree on: fingerprints (SHA-256) of the
 * secrets an instance generated into its data folder, so an instance with another folder's
 * secrets is refused at start-up instead of retiring the others' Verify account
 * (lib/start-up.ts).
 */
export const installation = sqliteTable("owlbank_installation", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * The local outbox: text messages OwlBank "sent" while no SMS provider is configured. It
 * stands in for the customer's phone, so it holds the message as sent; rows go at expiry.
 */
export const outbox = sqliteTable(
  "owlbank_outbox",
  {
    id: text("id").primaryKey(),
    phoneNumber: text("phone_number").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  (t) => [index("owlbank_outbox_created").on(t.createdAt)],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type SessionOrigin = Session["createdBy"];
export type Transfer = typeof transfers.$inferSelect;
export type CodePurpose = (typeof oneTimeCodes.$inferSelect)["purpose"];
