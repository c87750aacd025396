/**
 * OwlBank's own tables. The phone number lives here and only here: Verify knows a user
 * solely by `verifyIdentity`, a random UUID.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("owlbank_users", {
  id: text("id").primaryKey(),
  /** E.164, validated with libphonenumber-js before it is stored. */
  phoneNumber: text("phone_number").notNull().unique(),
  displayName: text("display_name").notNull(),
  /** The Verify Entity identity: a random UUID, never derived from personal data. */
  verifyIdentity: text("verify_identity").notNull().unique(),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
});

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

export type User = typeof users.$inferSelect;
