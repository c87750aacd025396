/**
 * A user's passkeys as Verify factors: list (F1), rename (F3), delete (F4). Every call is
 * addressed through the user's own identity, so another user's factor SID is simply 404.
 */
import "server-only";
import { isVerifyError } from "./errors";
import { verifyService } from "./service";

export type PasskeyFactor = {
  sid: string;
  friendlyName: string;
  dateCreated: Date;
  /** Last successful sign-in (Twilio's `metadata.date_last_approved`), if any. */
  dateLastApproved: Date | null;
  aaguid: string | null;
  /**
   * Backup eligibility and state are extensions this server adds to `metadata`; real
   * Twilio may omit them, hence null for "unknown".
   */
  backupEligible: boolean | null;
  backedUp: boolean | null;
};

type PasskeysMetadata = {
  aaguid?: unknown;
  date_last_approved?: unknown;
  backup_eligible?: unknown;
  backed_up?: unknown;
} | null;

const bool = (v: unknown) => (typeof v === "boolean" ? v : null);

function toDate(v: unknown): Date | null {
  if (typeof v !== "string") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The verified passkeys of `identity`, oldest first; none when Verify has no such entity. */
export async function listPasskeys(identity: string): Promise<PasskeyFactor[]> {
  const service = await verifyService();
  try {
    const factors = await service.entities(identity).factors.list();
    return factors
      .filter((f) => f.factorType === "passkeys" && f.status === "verified")
      .map((f) => {
        const metadata = f.metadata as PasskeysMetadata;
        return {
          sid: f.sid,
          friendlyName: f.friendlyName,
          dateCreated: f.dateCreated,
          dateLastApproved: toDate(metadata?.date_last_approved),
          aaguid: typeof metadata?.aaguid === "string" ? metadata.aaguid : null,
          backupEligible: bool(metadata?.backup_eligible),
          backedUp: bool(metadata?.backed_up),
        };
      });
  } catch (error) {
    if (isVerifyError(error, 20404)) return [];
    throw error;
  }
}

/** Renames one of `identity`'s passkeys (only OwlBank's label, not the authenticator's). */
export async function renamePasskey(identity: string, factorSid: string, friendlyName: string): Promise<void> {
  const service = await verifyService();
  await service.entities(identity).factors(factorSid).update({ friendlyName });
}

/** Deletes one of `identity`'s passkeys; it can no longer approve anything. */
export async function removePasskey(identity: string, factorSid: string): Promise<void> {
  const service = await verifyService();
  await service.entities(identity).factors(factorSid).remove();
}

/**
 * Deletes an identity and everything Verify holds for it. Used for sign-ups that never
 * finished, so an abandoned prompt leaves nothing behind in Verify either.
 */
export async function removeIdentity(identity: string): Promise<void> {
  const service = await verifyService();
  try {
    await service.entities(identity).remove();
  } catch (error) {
    if (!isVerifyError(error, 20404)) throw error;
  }
}

/** Whether `identity` has any verified passkey (a sign-up that finished). */
export async function hasVerifiedPasskey(identity: string): Promise<boolean> {
  return (await listPasskeys(identity)).length > 0;
}
