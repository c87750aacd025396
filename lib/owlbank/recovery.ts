/**
 * Recovery's last step: a customer who passed the one-time code gets a new passkey
 * registration, remembered here until Verify accepts the passkey. Like a sign-up, the factor
 * SID is only ever handed to the browser that passed the code, and Verify's answer names the
 * identity, so nobody can finish someone else's recovery.
 */
import "server-only";
import { and, eq, lt } from "drizzle-orm";
import { pendingRecoveries, type User, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";

/** How long the new passkey may take after the code was accepted: Verify's registration window. */
export const RECOVERY_TTL_MS = 10 * 60 * 1000;

export type PendingRecovery = typeof pendingRecoveries.$inferSelect;

/** Remembers a recovery registration; `expiresAt` is kept when a registration is retried. */
export function savePendingRecovery(input: { factorSid: string; userId: string; expiresAt?: number }, now = Date.now()): void {
  db().transaction((tx) => {
    tx.delete(pendingRecoveries).where(lt(pendingRecoveries.expiresAt, now)).run();
    tx.insert(pendingRecoveries)
      .values({ factorSid: input.factorSid, userId: input.userId, expiresAt: input.expiresAt ?? now + RECOVERY_TTL_MS })
      .run();
  });
}

/** The pending recovery of `factorSid`, while it is still within its window. */
export function findPendingRecovery(factorSid: string, now = Date.now()): PendingRecovery | undefined {
  const row = db().select().from(pendingRecoveries).where(eq(pendingRecoveries.factorSid, factorSid)).get();
  return row && row.expiresAt > now ? row : undefined;
}

/** Drops one pending recovery (a retried registration replaces it). */
export function deletePendingRecovery(factorSid: string): void {
  db().delete(pendingRecoveries).where(eq(pendingRecoveries.factorSid, factorSid)).run();
}

export type CompleteRecoveryResult = { ok: true; user: User } | { ok: false; reason: "no_pending_recovery" | "recovery_expired" };

/**
 * Finishes a recovery once Verify verified the new factor: `factorSid` and `identity` are
 * Verify's, and must name a pending recovery of the user with that identity. Single use.
 */
export function completeRecovery(factorSid: string, identity: string, now = Date.now()): CompleteRecoveryResult {
  return db().transaction((tx): CompleteRecoveryResult => {
    const found = tx
      .select({ pending: pendingRecoveries, user: users })
      .from(pendingRecoveries)
      .innerJoin(users, eq(users.id, pendingRecoveries.userId))
      .where(and(eq(pendingRecoveries.factorSid, factorSid), eq(users.verifyIdentity, identity)))
      .get();
    if (!found) return { ok: false, reason: "no_pending_recovery" };
    tx.delete(pendingRecoveries).where(eq(pendingRecoveries.factorSid, factorSid)).run();
    if (found.pending.expiresAt <= now) return { ok: false, reason: "recovery_expired" };
    return { ok: true, user: found.user };
  });
}
