/**
 * What the browser's WebAuthn Signal API needs to hear about the signed-in user: their user
 * handle, their accepted credential ids, and their current name. Sent only when OwlBank knows
 * it completely: telling a passkey manager an incomplete list would make it hide good passkeys.
 */
import "server-only";
import type { User } from "@/db/schema/owlbank";
import { config } from "@/lib/env";
import { listPasskeys } from "@/lib/verify-client";
import { knownCredentials } from "./passkey-credentials";

export type AcceptedCredentials = { rpId: string; userId: string; allAcceptedCredentialIds: string[] };
export type CurrentUserDetails = { rpId: string; userId: string; name: string; displayName: string };

/**
 * Every credential id Verify will accept for the user, or null when one of their verified
 * passkeys has an id OwlBank never learnt (then saying nothing is the safe choice).
 */
export async function acceptedCredentials(user: User): Promise<AcceptedCredentials | null> {
  if (!user.webauthnUserId) return null;
  const [known, factors] = await Promise.all([knownCredentials(user.id), listPasskeys(user.verifyIdentity)]);
  const ids = factors.map((f) => known.get(f.sid));
  if (ids.some((id) => id === undefined)) return null;
  return { rpId: config().app.rpId, userId: user.webauthnUserId, allAcceptedCredentialIds: ids as string[] };
}

/**
 * The names the authenticator should show. OwlBank registers passkeys with the customer's
 * name as both `user.name` and `user.displayName` (never the phone number), so both follow it.
 */
export function currentUserDetails(user: Pick<User, "webauthnUserId" | "displayName">): CurrentUserDetails | null {
  if (!user.webauthnUserId) return null;
  return { rpId: config().app.rpId, userId: user.webauthnUserId, name: user.displayName, displayName: user.displayName };
}
