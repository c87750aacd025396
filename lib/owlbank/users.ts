/**
 * OwlBank customers. The only module that writes `owlbank_users`; a user row is created in
 * one transaction with its demo accounts, and only after Verify accepted the passkey.
 */
import "server-only";
import { randomInt, randomUUID } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import { bankAccounts, pendingSignups, transactions, type User, users } from "@/db/schema/owlbank";
import { db, prepared, transaction } from "@/lib/db";
import { balanceOf, DEMO_ACCOUNTS, timeOf } from "./demo-data";

/** The user with this id, if any. */
export async function findUserById(id: string): Promise<User | undefined> {
  const [user] = await db().select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

/** The user Verify knows by this identity, if any. */
export async function findUserByIdentity(verifyIdentity: string): Promise<User | undefined> {
  const [user] = await byIdentity().execute({ verifyIdentity });
  return user;
}

// Built once: every passkey sign-in looks its customer up by identity.
const byIdentity = prepared((d) => d.select().from(users).where(eq(users.verifyIdentity, sql.placeholder("verifyIdentity"))).limit(1).prepare());

/** The user with this phone number (E.164), if any. */
export async function findUserByPhone(phoneNumber: string): Promise<User | undefined> {
  const [user] = await db().select().from(users).where(eq(users.phoneNumber, phoneNumber)).limit(1);
  return user;
}

/** How long a sign-up may wait for its passkey: Verify's registration window (docs/api.md §9.1). */
export const SIGNUP_TTL_MS = 10 * 60 * 1000;

export type PendingSignup = typeof pendingSignups.$inferSelect;

/** Remembers a sign-up between Create Factor and Verify Factor. */
export async function savePendingSignup(
  signup: Omit<PendingSignup, "expiresAt" | "webauthnUserId"> & { webauthnUserId?: string | null },
  now = Date.now(),
): Promise<void> {
  await db().insert(pendingSignups).values({ ...signup, expiresAt: now + SIGNUP_TTL_MS });
}

/** The pending sign-up of `factorSid`, if any (expired ones included). */
export async function findPendingSignup(factorSid: string): Promise<PendingSignup | undefined> {
  const [pending] = await db().select().from(pendingSignups).where(eq(pendingSignups.factorSid, factorSid)).limit(1);
  return pending;
}

/**
 * Removes a pending sign-up and returns it, or undefined when it was already gone: only one
 * caller gets the row, so a cancel racing a completion (or another cancel) acts once.
 */
export async function deletePendingSignup(factorSid: string): Promise<PendingSignup | undefined> {
  const [pending] = await db().delete(pendingSignups).where(eq(pendingSignups.factorSid, factorSid)).returning();
  return pending;
}

/** Removes and returns the sign-ups whose passkey never arrived in time. */
export async function takeExpiredSignups(now = Date.now()): Promise<PendingSignup[]> {
  return db().delete(pendingSignups).where(lt(pendingSignups.expiresAt, now)).returning();
}

export type CompleteSignupResult =
  | { ok: true; user: User }
  | { ok: false; reason: "no_pending_signup" | "signup_expired" | "phone_taken" };

/**
 * Turns a pending sign-up into a customer once Verify has verified its factor. `factorSid`
 * and `identity` are the ones Verify returned, so the browser cannot pick whose sign-up
 * it completes. Each decision is one guarded statement, so it holds under concurrency: the
 * pending row is deleted and returned (only one caller gets it), and the phone number's
 * unique index, not an earlier look, decides whether the number is still free.
 */
export async function completeSignup(factorSid: string, identity: string, now = Date.now()): Promise<CompleteSignupResult> {
  return transaction(async (tx): Promise<CompleteSignupResult> => {
    const [pending] = await tx
      .delete(pendingSignups)
      .where(and(eq(pendingSignups.factorSid, factorSid), eq(pendingSignups.verifyIdentity, identity)))
      .returning();
    if (!pending) return { ok: false, reason: "no_pending_signup" };
    if (pending.expiresAt < now) return { ok: false, reason: "signup_expired" };

    const user: User = {
      id: randomUUID(),
      phoneNumber: pending.phoneNumber,
      displayName: pending.displayName,
      verifyIdentity: pending.verifyIdentity,
      createdAt: now,
      webauthnUserId: pending.webauthnUserId,
    };
    // A conflict is skipped rather than raised: an error would abort the transaction, and
    // the pending sign-up must stay consumed whatever the outcome.
    const inserted = await tx.insert(users).values(user).onConflictDoNothing({ target: users.phoneNumber }).returning({ id: users.id });
    if (inserted.length === 0) return { ok: false, reason: "phone_taken" };

    const accounts = DEMO_ACCOUNTS.map((account) => ({ account, id: randomUUID() }));
    await tx.insert(bankAccounts).values(
      accounts.map(({ account, id }) => ({
        id,
        userId: user.id,
        name: account.name,
        number: String(randomInt(1000, 10000)),
        balanceCents: balanceOf(account),
      })),
    );
    await tx.insert(transactions).values(
      accounts.flatMap(({ account, id }) =>
        account.transactions.map((t, i) => ({
          id: randomUUID(),
          accountId: id,
          description: t.description,
          amountCents: t.amountCents,
          createdAt: timeOf(now, t.daysAgo, i),
        })),
      ),
    );
    return { ok: true, user };
  });
}
