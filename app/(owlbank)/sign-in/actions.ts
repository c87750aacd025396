"use server";
/**
 * Starting a sign-in. Finishing it is the "passkey" provider in lib/auth/config.ts, which
 * learns who signed in only from the challenge Verify approved.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { z } from "zod";
import { phoneField } from "@/lib/owlbank/phone";
import { type LimitRule, requestAddress, takeLimits, tooManyAttemptsMessage } from "@/lib/owlbank/rate-limits";
import { findUserByPhone } from "@/lib/owlbank/users";
import {
  createPasskeyChallenge,
  describeVerifyError,
  isVerifyError,
  verifyErrorCode,
  verifyErrorMessage,
} from "@/lib/verify-client";

export type SignInStart =
  | { ok: true; optionsJSON: PublicKeyCredentialRequestOptionsJSON }
  | { ok: false; errors?: { phone?: string[] }; message?: string };

/** Counts a sign-in start against its limits; a refusal to show, or null to go on. */
async function limited(extra: [LimitRule, string][] = []): Promise<SignInStart | null> {
  const verdict = await takeLimits([["signIn", await requestAddress()], ...extra]);
  return verdict.ok ? null : { ok: false, message: tooManyAttemptsMessage(verdict.retryAfterSeconds) };
}

async function challenge(identity?: string): Promise<SignInStart> {
  try {
    const { optionsJSON } = await createPasskeyChallenge(identity ? { identity } : {});
    return { ok: true, optionsJSON };
  } catch (error) {
    // A known number without a passkey gets the same prompt as an unknown one, so the
    // form never tells a stranger whether a number banks here.
    if (identity && isVerifyError(error, 60390, 60392)) return challenge();
    console.error(`[sign-in] CreateChallenge failed: ${describeVerifyError(error)}`);
    return { ok: false, message: verifyErrorMessage(verifyErrorCode(error)) };
  }
}

/**
 * A discoverable challenge: no user named, the authenticator offers every OwlBank passkey
 * it holds. Used by autofill and by the "Sign in with Face ID" / "Use another device" buttons.
 * Each call mints a new challenge, so two ceremonies at once (StrictMode, two tabs) don't
 * trip over each other: Verify finds each by the value signed into clientDataJSON.
 */
export async function beginPasskeySignIn(): Promise<SignInStart> {
  return (await limited()) ?? challenge();
}

const PhoneSchema = z.object({
  phone: phoneField("Enter your phone number, or use one of the passkey buttons."),
});

/** A challenge limited to the passkeys of the account with this phone number. */
export async function beginPhoneSignIn(formData: FormData): Promise<SignInStart> {
  const parsed = PhoneSchema.safeParse({ phone: formData.get("phone") ?? "" });
  if (!parsed.success) return { ok: false, errors: { phone: z.flattenError(parsed.error).fieldErrors.phone } };
  const refused = await limited([["phone", parsed.data.phone]]);
  if (refused) return refused;
  const user = await findUserByPhone(parsed.data.phone);
  return challenge(user?.verifyIdentity);
}
