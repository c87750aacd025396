/**
 * Every passkey failure a customer can meet, in words: the browser's WebAuthn errors, and
 * the keys the server sends back through next-auth (Verify codes go through the one table
 * in lib/verify-client/messages.ts).
 */
import type { AuthErrorKey } from "@/lib/auth/errors";
import { GENERIC_VERIFY_MESSAGE, verifyErrorMessage } from "@/lib/verify-client/messages";

/**
 * Which ceremony failed: "step-up" confirms a sensitive change, "approve" a transfer, and
 * "recovery" creates the new passkey after a one-time code.
 */
export type Ceremony = "sign-up" | "sign-in" | "add-passkey" | "step-up" | "approve" | "recovery";

export const NO_WEBAUTHN_MESSAGE =
  "This browser can't use passkeys. Please update it, or use a recent version of Safari, Chrome, Edge or Firefox.";

/** True for a ceremony we aborted ourselves (e.g. autofill making way for a button). */
export function isAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error as { code?: string }).code === "ERROR_CEREMONY_ABORTED" || error.name === "AbortError";
}

/**
 * The message for an error thrown by startRegistration / startAuthentication, or null
 * when it should be ignored (an abort we caused).
 */
export function ceremonyErrorMessage(error: unknown, ceremony: Ceremony): string | null {
  if (isAbort(error)) return null;
  const name = error instanceof Error ? error.name : "";
  const code = (error as { code?: string } | null)?.code;
  if (error instanceof Error && /not supported in this browser|does not support WebAuthn/i.test(error.message)) {
    return NO_WEBAUTHN_MESSAGE;
  }
  if (name === "NotAllowedError") {
    // Browsers use NotAllowedError both for "cancelled" and "timed out", and (in the
    // discoverable flow) when the device holds no passkey for OwlBank.
    if (ceremony === "sign-in") {
      return "No passkey was used. The request was cancelled or timed out, or this device has no OwlBank passkey. Try again, or use another device.";
    }
    if (ceremony === "step-up") return "No passkey was used, so nothing was changed. You can try again.";
    if (ceremony === "approve") return "No passkey was used, so nothing was sent. You can approve again, or change the details.";
    return "The passkey prompt was closed before a passkey was saved, so nothing was created. You can try again.";
  }
  if (name === "InvalidStateError" || code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") {
    if (ceremony === "recovery") {
      return "This device already holds a passkey for your account: use it to sign in, or choose “Use another device”.";
    }
    return ceremony === "sign-up"
      ? "This device already has a passkey for an OwlBank account. Sign in instead, or choose “Use another device”."
      : "This device or password manager already holds one of your passkeys. Choose a different one to add.";
  }
  if (name === "ConstraintError") {
    return "This device can't store the kind of passkey OwlBank needs. Try another device or password manager.";
  }
  if (name === "SecurityError" || code === "ERROR_INVALID_DOMAIN" || code === "ERROR_INVALID_RP_ID") {
    return "Passkeys don't work at this web address. Open OwlBank at its usual address (for example http://localhost, not 127.0.0.1).";
  }
  if (name === "NotSupportedError") {
    return "This device doesn't support the passkey type OwlBank asked for. Try another device.";
  }
  return "Your device couldn't complete the passkey request. Please try again.";
}

const AUTH_MESSAGES: Record<Exclude<AuthErrorKey, `verify_${number}`>, string> = {
  verify_unavailable: "OwlBank can't reach its passkey service right now. Please try again in a moment.",
  unavailable: "Something went wrong on our side. Please try again in a moment.",
  invalid_credential: "Your browser sent an incomplete passkey response. Please try again.",
  no_account: "This passkey isn't linked to an OwlBank account. Open an account, or use a different passkey.",
  no_pending_signup: "This sign-up was already finished or cancelled. Please start again.",
  signup_expired: "Setting up your passkey took too long. Please start again.",
  phone_taken: "An account with this phone number already exists. Sign in instead.",
  no_pending_recovery: "This recovery was already finished or has expired. Please ask for a new code.",
  recovery_expired: "Creating your new passkey took too long. Please ask for a new code.",
};

/** The message for the `error` a sign-in resolved with (signInWith in lib/auth/client.ts). */
export function authErrorMessage(key: string | null | undefined): string {
  if (!key) return GENERIC_VERIFY_MESSAGE;
  const verify = /^verify_(\d+)$/.exec(key);
  if (verify) return verifyErrorMessage(Number(verify[1]));
  return (AUTH_MESSAGES as Record<string, string>)[key] ?? GENERIC_VERIFY_MESSAGE;
}
