/**
 * The signed-in customer's passkeys, as shown on the security page.
 */
import "server-only";
import { listPasskeys } from "@/lib/verify-client";
import { passkeyProvider } from "./providers";
import { requireUser } from "./session";

export type Passkey = {
  sid: string;
  name: string;
  /** e.g. "iCloud Keychain", "Google Password Manager"; null when the device didn't say. */
  provider: string | null;
  /**
   * "synced" across the provider's devices (backed up), "syncable" but not backed up yet,
   * "device" bound to one device, or null when Verify did not say.
   */
  storage: "synced" | "syncable" | "device" | null;
  createdAt: string;
  lastUsedAt: string | null;
};

function storageOf(backupEligible: boolean | null, backedUp: boolean | null): Passkey["storage"] {
  if (backedUp === true) return "synced";
  if (backupEligible === true) return "syncable";
  if (backupEligible === false) return "device";
  return null;
}

/** The user's verified passkeys, oldest first (dates as ISO strings for client components). */
export async function getMyPasskeys(): Promise<Passkey[]> {
  const user = await requireUser();
  const factors = await listPasskeys(user.verifyIdentity);
  return factors.map((f) => ({
    sid: f.sid,
    name: f.friendlyName,
    provider: passkeyProvider(f.aaguid),
    storage: storageOf(f.backupEligible, f.backedUp),
    createdAt: f.dateCreated.toISOString(),
    lastUsedAt: f.dateLastApproved?.toISOString() ?? null,
  }));
}
