/**
 * The step-up ceremony: a challenge for the signed-in user's identity, remembered as a
 * step-up of this session, and its approval by Verify, which steps up this session only.
 */
import "server-only";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { approvePasskeyChallenge, type AuthenticationResponse, createPasskeyChallenge } from "@/lib/verify-client";
import { rememberCredential } from "./passkey-credentials";
import { requireSession } from "./session";
import { consumeStepUpChallenge, recordPasskeyUse, saveStepUpChallenge } from "./step-up";

/** Starts a step-up for the signed-in user; Verify errors are thrown for the caller. */
export async function beginStepUp(): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { user, session } = await requireSession();
  const challenge = await createPasskeyChallenge({ identity: user.verifyIdentity });
  await saveStepUpChallenge(session.id, challenge.challengeSid, challenge.expiresAt);
  return challenge.optionsJSON;
}

/**
 * Finishes a step-up. True when Verify approved a step-up challenge of this user with one of
 * their passkeys; Verify refusals are thrown for the caller.
 */
export async function finishStepUp(assertion: AuthenticationResponse): Promise<boolean> {
  const { user, session } = await requireSession();
  const approved = await approvePasskeyChallenge(assertion);
  if (approved.identity !== user.verifyIdentity || !(await consumeStepUpChallenge(session.id, approved.challengeSid))) return false;
  await recordPasskeyUse(session.id);
  await rememberCredential({ userId: user.id, factorSid: approved.factorSid, credentialId: assertion.id });
  return true;
}
