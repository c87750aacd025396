/**
 * OwlBank customers. The only module that writes `owlbank_users`; a user row is created in
 * one transaction with its demo accounts, and only after Verify accepted the passkey.
 */
import "server-only";
import { randomInt, randomUUID } from "node:crypto";
import { and, eq, lt } from "drizzle-orm";
import { bankAccounts, pendingSignups, transactions, type User, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { balanceOf, DEMO_ACCOUNTS, timeOf } from "./demo-data";

export const findUserById = (id: string): User | undefined =>
  db().select().from(users).where(eq(users.id, id)).get();

export const findUserByIdentity = (verifyIdentity: string): User | undefined =>
  db().select().from(users).where(eq(users.verifyIdentity, verifyIdentity)).get();

export const findUserByPhone = (phoneNumber: string): User | undefined =>
  db().select().from(users).where(eq(users.phoneNumber, phoneNumber)).get();

/** How long a sign-up may wait for its passkey: Verify's registration window (spec 9.1). */
export const SIGNUP_TTL_MS = 10 * 60 * 1000;

export type PendingSignup = typeof pendingSignups.$inferSelect;

/** Remembers a sign-up between Create Factor and Verify Factor. */
export function savePendingSignup(
  signup: Omit<PendingSignup, "expiresAt" | "webauthnUserId"> & { webauthnUserId?: string | null },
  now = Date.now(),
): void {
  db().insert(pendingSignups).values({ ...signup, expiresAt: now + SIGNUP_TTL_MS }).run();
}

export const findPendingSignup = (factorSid: string): PendingSignup | undefined =>
  db().select().from(pendingSignups).where(eq(pendingSignups.factorSid, factorSid)).get();

export function deletePendingSignup(factorSid: string): void {
  db().delete(pendingSignups).where(eq(pendingSignups.factorSid, factorSid)).run();
}

/** Removes and returns the sign-ups whose passkey never arrived in time. */
export function takeExpiredSignups(now = Date.now()): PendingSignup[] {
  return db().delete(pendingSignups).where(lt(pendingSignups.expiresAt, now)).returning().all();
}

export type CompleteSignupResult =
  | { ok: true; user: User }
  | { ok: false; reason: "no_pending_signup" | "signup_expired" | "phone_taken" };

/**
 * Turns a pending sign-up into a customer once Verify has verified its factor. `factorSid`
 * and `identity` are the ones Verify returned, so the browser cannot pick whose sign-up
 * it completes. Synchronous on purpose: better-sqlite3 transactions must not await.
 */
export function completeSignup(factorSid: string, identity: string, now = Date.now()): CompleteSignupResult {
  return db().transaction((tx): CompleteSignupResult => {
    const pending = tx
      .delete(pendingSignups)
      .where(and(eq(pendingSignups.factorSid, factorSid), eq(pendingSignups.verifyIdentity, identity)))
      .returning()
      .get();
    if (!pending) return { ok: false, reason: "no_pending_signup" };
    if (pending.expiresAt < now) return { ok: false, reason: "signup_expired" };
    if (tx.select({ id: users.id }).from(users).where(eq(users.phoneNumber, pending.phoneNumber)).get()) {
      return { ok: false, reason: "phone_taken" };
    }

    const user: User = {
      id: randomUUID(),
      phoneNumber: pending.phoneNumber,
      displayName: pending.displayName,
      verifyIdentity: pending.verifyIdentity,
      createdAt: now,
      // Creating the passkey just now counts as a fresh passkey use: Verify accepted it only
      // with the UV flag set, since OwlBank's factors (and Service) require user verification.
      lastPasskeyAt: now,
      webauthnUserId: pending.webauthnUserId,
    };
    tx.insert(users).values(user).run();
    for (const account of DEMO_ACCOUNTS) {
      const accountId = randomUUID();
      tx.insert(bankAccounts)
        .values({
          id: accountId,
          userId: user.id,
          name: account.name,
          number: String(randomInt(1000, 10000)),
          balanceCents: balanceOf(account),
        })
        .run();
      account.transactions.forEach((t, i) => {
        tx.insert(transactions)
          .values({
            id: randomUUID(),
            accountId,
            description: t.description,
            amountCents: t.amountCents,
            createdAt: timeOf(now, t.daysAgo, i),
          })
          .run();
      });
    }
    return { ok: true, user };
  });
}
