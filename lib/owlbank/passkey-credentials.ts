/**
 * Which credential id backs each of a user's passkey factors, and the user's WebAuthn user
 * handle: what the browser's Signal API needs and Verify never returns. Ids are recorded only
 * after Verify accepted them (at registration, or at a sign-in it approved).
 */
import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { passkeyCredentials, users } from "@/db/schema/owlbank";
import { db, preparedInsert } from "@/lib/db";

/** Records that `factorSid` (Verify-approved for `userId`) is the credential `credentialId`. */
export async function rememberCredential(input: { userId: string; factorSid: string; credentialId: string }, now = Date.now()): Promise<void> {
  // A factor already known keeps its row: the primary key (factor SID) is the only conflict.
  await insertCredential({ ...input, createdAt: now });
}

// Built once: every passkey sign-in records its credential.
const insertCredential = preparedInsert(passkeyCredentials, { ignoreConflict: true });

/** Forgets one of the user's factors and returns its credential id, if it was known. */
export async function forgetCredential(userId: string, factorSid: string): Promise<string | undefined> {
  const [forgotten] = await db()
    .delete(passkeyCredentials)
    .where(and(eq(passkeyCredentials.userId, userId), eq(passkeyCredentials.factorSid, factorSid)))
    .returning({ credentialId: passkeyCredentials.credentialId });
  return forgotten?.credentialId;
}

/** factor SID → credential id for every factor of the user that OwlBank knows. */
export async function knownCredentials(userId: string): Promise<Map<string, string>> {
  const rows = await db().select().from(passkeyCredentials).where(eq(passkeyCredentials.userId, userId));
  return new Map(rows.map((r) => [r.factorSid, r.credentialId]));
}

/**
 * Remembers the user's WebAuthn user handle the first time it is learnt. Verify gives one
 * handle per identity, so it never changes afterwards.
 */
export async function rememberUserHandle(userId: string, handle: string | null | undefined): Promise<void> {
  if (!handle) return;
  await db()
    .update(users)
    .set({ webauthnUserId: handle })
    .where(and(eq(users.id, userId), isNull(users.webauthnUserId)));
}
