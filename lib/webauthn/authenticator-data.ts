/**
 * Authenticator data checks shared by both ceremonies (WebAuthn §7.1 steps 13–15, §7.2
 * steps 15–17): the RP ID hash and the user presence / verification flags.
 */
import { createHash } from "node:crypto";
import { type ParsedAuthenticatorData, parseAuthenticatorData } from "@simplewebauthn/server/helpers";

export type AuthDataProblem = "malformed" | "rp_id_hash" | "user_presence" | "user_verification";

/** RP ID hash (32 bytes), flags (1) and signature counter (4): what every authenticator data starts with. */
export const AUTH_DATA_HEADER_BYTES = 37;

export function parseAuthData(bytes: Uint8Array): ParsedAuthenticatorData | null {
  try {
    return parseAuthenticatorData(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

// A pure function's results: the same in every process.
const rpIdHashes = new Map<string, Buffer>();

/** SHA-256 of the RP ID, memoised: there are only a handful of RP IDs per deployment. */
export function rpIdHash(rpId: string): Buffer {
  let hash = rpIdHashes.get(rpId);
  if (!hash) {
    hash = createHash("sha256").update(rpId, "utf8").digest();
    if (rpIdHashes.size < 1000) rpIdHashes.set(rpId, hash);
  }
  return hash;
}

/** The first failed check, or null when the authenticator data is acceptable. */
export function checkAuthData(
  authData: ParsedAuthenticatorData,
  rpId: string,
  requireUserVerification: boolean,
): { problem: AuthDataProblem; message: string } | null {
  if (!Buffer.from(authData.rpIdHash).equals(rpIdHash(rpId))) {
    return { problem: "rp_id_hash", message: `Authenticator data RP ID hash does not match the relying party ${rpId}` };
  }
  if (!authData.flags.up) {
    return { problem: "user_presence", message: "Authenticator data does not show user presence (UP flag)" };
  }
  if (requireUserVerification && !authData.flags.uv) {
    return {
      problem: "user_verification",
      message: "User verification is required, but the authenticator did not verify the user (UV flag)",
    };
  }
  return null;
}
