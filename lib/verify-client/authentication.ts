/**
 * Authentication: Create Passkeys Challenge (P3) and Approve Passkeys Challenge (P4).
 */
import "server-only";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import type { ApprovePasskeysChallengeRequest } from "twilio/lib/rest/verify/v2/service/approveChallenge";
import type { AuthenticationResponse } from "./schemas";
import { verifyService } from "./service";

/**
 * Starts an authentication. Without `identity` it is discoverable ("usernameless"): the
 * authenticator chooses the passkey and Verify learns the user from it on approval.
 */
export async function createPasskeyChallenge(input: { identity?: string } = {}): Promise<{
  challengeSid: string;
  optionsJSON: PublicKeyCredentialRequestOptionsJSON;
  /** When Verify stops accepting an answer (epoch ms). */
  expiresAt: number;
}> {
  const service = await verifyService();
  const challenge = await service.newChallenge().create(input.identity ? { identity: input.identity } : {});
  const publicKey = (challenge.options as { publicKey?: PublicKeyCredentialRequestOptionsJSON } | null)?.publicKey;
  if (!publicKey) throw new Error(`Verify returned challenge ${challenge.sid} without request options`);
  return { challengeSid: challenge.sid, optionsJSON: publicKey, expiresAt: expiryOf(challenge.expirationDate, publicKey.timeout) };
}

/**
 * Verify's expiration_date; Twilio's examples sometimes leave it null (docs/api.md §11, row 14), and
 * then the prompt's own timeout, or Verify's recommended 5 minutes, stands in for it.
 */
function expiryOf(expirationDate: Date | null | undefined, timeoutMs: number | undefined): number {
  const at = expirationDate?.getTime();
  if (at !== undefined && !Number.isNaN(at)) return at;
  return Date.now() + (timeoutMs ?? 5 * 60_000);
}

export type ApprovedChallenge = { challengeSid: string; identity: string; factorSid: string };

/**
 * Finishes an authentication. Verify finds the challenge by the value inside
 * `clientDataJSON` and checks the signature; the identity it returns is the only thing
 * that says who signed in.
 */
export async function approvePasskeyChallenge(assertion: AuthenticationResponse): Promise<ApprovedChallenge> {
  const service = await verifyService();
  const response: ApprovePasskeysChallengeRequest["response"] = {
    authenticatorData: assertion.response.authenticatorData,
    clientDataJSON: assertion.response.clientDataJSON,
    signature: assertion.response.signature,
  };
  if (assertion.response.userHandle) response.userHandle = assertion.response.userHandle;
  // Browsers may report no attachment; the library's type wants a string, Verify accepts
  // absence (docs/api.md §8.9), so it is sent only when known.
  const body = {
    id: assertion.id,
    rawId: assertion.rawId,
    type: assertion.type,
    response,
    ...(assertion.authenticatorAttachment ? { authenticatorAttachment: assertion.authenticatorAttachment } : {}),
  } as ApprovePasskeysChallengeRequest;
  const challenge = await service.approveChallenge.update(body);
  if (challenge.status !== "approved" || !challenge.identity) {
    throw new Error(`Verify answered challenge ${challenge.sid} with status ${challenge.status}`);
  }
  return { challengeSid: challenge.sid, identity: challenge.identity, factorSid: challenge.factorSid };
}
