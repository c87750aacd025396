/**
 * Recovery's last step: a customer who passed the one-time code gets a new passkey
 * registration, remembered here until Verify accepts the passkey. Like a sign-up, the factor
 * SID is only ever handed to the browser that passed the code, and Verify's answer names the
 * identity, so nobody can finish someone else's recovery.
 */
import "server-only";
import { and, eq, inArray, lt } from "drizzle-orm";
import { pendingRecoveries, type User, users } from "@/db/schema/owlbank";
import { db, transaction } from "@/lib/db";
import { findUserById } from "./users";

/** How long the new passkey may take after the code was accepted: Verify's registration window. */
export const RECOVERY_TTL_MS = 10 * 60 * 1000;

export type PendingRecovery = typeof pendingRecoveries.$inferSelect;

/** Remembers a recovery registration; `expiresAt` is kept when a registration is retried. */
export async function savePendingRecovery(input: { factorSid: string; userId: string; expiresAt?: number }, now = Date.now()): Promise<void> {
  await transaction(async (tx) => {
    await tx.delete(pendingRecoveries).where(lt(pendingRecoveries.expiresAt, now));
    await tx
      .insert(pendingRecoveries)
      .values({ factorSid: input.factorSid, userId: input.userId, expiresAt: input.expiresAt ?? now + RECOVERY_TTL_MS });
  });
}

/** The pending recovery of `factorSid`, while it is still within its window. */
export async function findPendingRecovery(factorSid: string, now = Date.now()): Promise<PendingRecovery | undefined> {
  const [row] = await db().select().from(pendingRecoveries).where(eq(pendingRecoveries.factorSid, factorSid)).limit(1);
  return row && row.expiresAt > now ? row : undefined;
}

/** Drops one pending recovery (a retried registration replaces it). */
export async function deletePendingRecovery(factorSid: string): Promise<void> {
  await db().delete(pendingRecoveries).where(eq(pendingRecoveries.factorSid, factorSid));
}

export type CompleteRecoveryResult = { ok: true; user: User } | { ok: false; reason: "no_pending_recovery" | "recovery_expired" };

/**
 * Finishes a recovery once Verify verified the new factor: `factorSid` and `identity` are
 * Verify's, and must name a pending recovery of the user with that identity. Single use: the
 * row is deleted and returned in one statement, so of two finishes at once only one gets it.
 */
export async function completeRecovery(factorSid: string, identity: string, now = Date.now()): Promise<CompleteRecoveryResult> {
  const ofIdentity = db().select({ id: users.id }).from(users).where(eq(users.verifyIdentity, identity));
  const [pending] = await db()
    .delete(pendingRecoveries)
    .where(and(eq(pendingRecoveries.factorSid, factorSid), inArray(pendingRecoveries.userId, ofIdentity)))
    .returning();
  if (!pending) return { ok: false, reason: "no_pending_recovery" };
  if (pending.expiresAt <= now) return { ok: false, reason: "recovery_expired" };
  const user = await findUserById(pending.userId);
  // The account was closed since the delete: there is no one left to recover.
  return user ? { ok: true, user } : { ok: false, reason: "no_pending_recovery" };
}
