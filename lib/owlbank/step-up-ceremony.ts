/**
 * The step-up ceremony: a challenge for the signed-in user's identity, remembered as a
 * step-up, and its approval by Verify, which moves the user's last passkey time forward.
 */
import "server-only";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { approvePasskeyChallenge, type AuthenticationResponse, createPasskeyChallenge } from "@/lib/verify-client";
import { rememberCredential } from "./passkey-credentials";
import { requireUser } from "./session";
import { consumeStepUpChallenge, recordPasskeyUse, saveStepUpChallenge } from "./step-up";

/** Starts a step-up for the signed-in user; Verify errors are thrown for the caller. */
export async function beginStepUp(): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const user = await requireUser();
  const challenge = await createPasskeyChallenge({ identity: user.verifyIdentity });
  saveStepUpChallenge(user.id, challenge.challengeSid, challenge.expiresAt);
  return challenge.optionsJSON;
}

/**
 * Finishes a step-up. True when Verify approved a step-up challenge of this user with one of
 * their passkeys; Verify refusals are thrown for the caller.
 */
export async function finishStepUp(assertion: AuthenticationResponse): Promise<boolean> {
  const user = await requireUser();
  const approved = await approvePasskeyChallenge(assertion);
  if (approved.identity !== user.verifyIdentity || !consumeStepUpChallenge(user.id, approved.challengeSid)) return false;
  recordPasskeyUse(user.id);
  rememberCredential({ userId: user.id, factorSid: approved.factorSid, credentialId: assertion.id });
  return true;
}
