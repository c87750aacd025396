/**
 * Which credential id backs each of a user's passkey factors, and the user's WebAuthn user
 * handle: what the browser's Signal API needs and Verify never returns. Ids are recorded only
 * after Verify accepted them (at registration, or at a sign-in it approved).
 */
import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { passkeyCredentials, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";

/** Records that `factorSid` (Verify-approved for `userId`) is the credential `credentialId`. */
export function rememberCredential(input: { userId: string; factorSid: string; credentialId: string }, now = Date.now()): void {
  db()
    .insert(passkeyCredentials)
    .values({ ...input, createdAt: now })
    .onConflictDoNothing()
    .run();
}

/** Forgets one of the user's factors and returns its credential id, if it was known. */
export function forgetCredential(userId: string, factorSid: string): string | undefined {
  return db()
    .delete(passkeyCredentials)
    .where(and(eq(passkeyCredentials.userId, userId), eq(passkeyCredentials.factorSid, factorSid)))
    .returning({ credentialId: passkeyCredentials.credentialId })
    .get()?.credentialId;
}

/** factor SID → credential id for every factor of the user that OwlBank knows. */
export function knownCredentials(userId: string): Map<string, string> {
  const rows = db().select().from(passkeyCredentials).where(eq(passkeyCredentials.userId, userId)).all();
  return new Map(rows.map((r) => [r.factorSid, r.credentialId]));
}

/**
 * Remembers the user's WebAuthn user handle the first time it is learnt. Verify gives one
 * handle per identity, so it never changes afterwards.
 */
export function rememberUserHandle(userId: string, handle: string | null | undefined): void {
  if (!handle) return;
  db()
    .update(users)
    .set({ webauthnUserId: handle })
    .where(and(eq(users.id, userId), isNull(users.webauthnUserId)))
    .run();
}
