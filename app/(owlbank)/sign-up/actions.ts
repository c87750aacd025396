"use server";
/**
 * Opening an account, first half: validate, create the Verify factor, and remember the
 * sign-up until the passkey comes back. The second half is the "passkey-signup" provider
 * in lib/auth/config.ts, which creates the user only once Verify accepts the passkey.
 */
import { randomUUID } from "node:crypto";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import { z } from "zod";
import { phoneField } from "@/lib/owlbank/phone";
import { requestAddress, takeLimits, tooManyAttemptsMessage } from "@/lib/owlbank/rate-limits";
import {
  deletePendingSignup,
  findPendingSignup,
  findUserByPhone,
  savePendingSignup,
  takeExpiredSignups,
} from "@/lib/owlbank/users";
import {
  createPasskeyFactor,
  describeVerifyError,
  hasVerifiedPasskey,
  removeIdentity,
  verifyErrorCode,
  verifyErrorMessage,
} from "@/lib/verify-client";

const SignUpSchema = z.object({
  phone: phoneField("Enter your phone number."),
  name: z.string().trim().min(1, "Enter your full name.").max(64, "Use at most 64 characters."),
  attachment: z.enum(["platform", "cross-platform"]).default("platform"),
});

export type SignUpFields = { phone: string; name: string };

export type SignUpStart =
  | { ok: true; factorSid: string; optionsJSON: PublicKeyCredentialCreationOptionsJSON }
  | { ok: false; errors?: Partial<Record<keyof SignUpFields, string[]>>; message?: string };

/** Best effort: forget sign-ups whose passkey never came, in OwlBank and in Verify. */
async function sweepExpiredSignups(): Promise<void> {
  for (const stale of takeExpiredSignups()) {
    await removeIdentity(stale.verifyIdentity).catch(() => undefined);
  }
}

/** Validates the form and starts the passkey registration for a brand-new identity. */
export async function beginSignUp(formData: FormData): Promise<SignUpStart> {
  const parsed = SignUpSchema.safeParse({
    phone: formData.get("phone") ?? "",
    name: formData.get("name") ?? "",
    attachment: formData.get("attachment") ?? undefined,
  });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    return { ok: false, errors: { phone: fieldErrors.phone, name: fieldErrors.name }, message: "Please check the highlighted fields." };
  }
  const { phone, name, attachment } = parsed.data;
  const verdict = takeLimits([
    ["signUp", await requestAddress()],
    ["phone", phone],
  ]);
  if (!verdict.ok) return { ok: false, message: tooManyAttemptsMessage(verdict.retryAfterSeconds) };

  await sweepExpiredSignups();
  if (findUserByPhone(phone)) {
    return { ok: false, errors: { phone: ["An account with this number already exists. Sign in instead."] } };
  }

  // Verify only ever sees this random identity, never the phone number (Twilio's guidance).
  const identity = randomUUID();
  try {
    const factor = await createPasskeyFactor({ identity, friendlyName: name, attachment });
    savePendingSignup({
      factorSid: factor.factorSid,
      phoneNumber: phone,
      displayName: name,
      verifyIdentity: identity,
      // Verify's user handle for this identity, which the browser's Signal API will need.
      webauthnUserId: factor.optionsJSON.user.id,
    });
    return { ok: true, factorSid: factor.factorSid, optionsJSON: factor.optionsJSON };
  } catch (error) {
    console.error(`[sign-up] CreateFactor failed: ${describeVerifyError(error)}`);
    return { ok: false, message: verifyErrorMessage(verifyErrorCode(error)) };
  }
}

/**
 * The passkey prompt was cancelled: drop the pending sign-up and its Verify identity now
 * rather than at expiry. Knowing the factor SID (a 128-bit secret only this browser was
 * given) is what authorises it, and a sign-up whose passkey was verified is left alone.
 */
export async function cancelSignUp(factorSid: string): Promise<void> {
  if (typeof factorSid !== "string" || !/^YF[0-9a-fA-F]{32}$/.test(factorSid)) return;
  const pending = findPendingSignup(factorSid);
  if (!pending) return;
  deletePendingSignup(factorSid);
  try {
    if (!(await hasVerifiedPasskey(pending.verifyIdentity))) await removeIdentity(pending.verifyIdentity);
  } catch (error) {
    console.error(`[sign-up] cleanup after cancel failed: ${describeVerifyError(error)}`);
  }
}
