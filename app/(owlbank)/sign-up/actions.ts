"use server";
/**
 * Opening an account, first half: validate, prove the phone number is the customer's with a
 * one-time code, create the Verify factor, and remember the sign-up until the passkey comes
 * back. The second half is the "passkey-signup" provider in lib/auth/config.ts, which creates
 * the user only once Verify accepts the passkey.
 *
 * The code matters because the number is how an account is recovered: an account opened on
 * a mistyped number would otherwise belong to whoever owns that number.
 */
import { randomUUID } from "node:crypto";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import { z } from "zod";
import { typedText } from "@/lib/owlbank/text";
import { codeRequester, knownCodeRequester } from "@/lib/owlbank/code-requester";
import { CODE_TTL_MS } from "@/lib/owlbank/code-store";
import { codeField, requestCode, tryCode } from "@/lib/owlbank/one-time-codes";
import { codeRefusal, codeRequestMessage, codeSentNotice } from "@/lib/owlbank/one-time-code-messages";
import { formatPhone, phoneField } from "@/lib/owlbank/phone";
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

const DetailsSchema = z.object({
  phone: phoneField("Enter your phone number."),
  name: typedText(64, { empty: "Enter your full name." }),
});

const attachment = z.enum(["platform", "cross-platform"]).catch("platform");

const FactorSid = z.string().regex(/^YF[0-9a-fA-F]{32}$/);

export type SignUpFields = { phone: string; name: string };

export type CodeSent =
  /** `notice`: a repeat request, which texted nothing. */
  | { ok: true; phone: string; display: string; minutes: number; notice?: string }
  | { ok: false; errors?: Partial<Record<keyof SignUpFields, string[]>>; message?: string };

export type SignUpStart =
  | { ok: true; factorSid: string; optionsJSON: PublicKeyCredentialCreationOptionsJSON }
  | { ok: false; errors?: { code?: string[] }; message?: string; restart?: boolean };

const ALREADY_EXISTS = "An account with this number already exists. Sign in instead.";

/** Best effort: forget sign-ups whose passkey never came, in OwlBank and in Verify. */
async function sweepExpiredSignups(): Promise<void> {
  for (const stale of await takeExpiredSignups()) {
    await removeIdentity(stale.verifyIdentity).catch(() => undefined);
  }
}

/**
 * Drops a pending sign-up and, unless its passkey was verified meanwhile, its Verify identity.
 * Only the caller whose delete removed the row goes on, so a sign-up is dropped once.
 */
async function dropPendingSignup(factorSid: string) {
  const pending = await deletePendingSignup(factorSid);
  if (!pending) return undefined;
  try {
    if (!(await hasVerifiedPasskey(pending.verifyIdentity))) await removeIdentity(pending.verifyIdentity);
  } catch (error) {
    console.error(`[sign-up] cleanup of a pending sign-up failed: ${describeVerifyError(error)}`);
  }
  return pending;
}

/** Starts the passkey registration for a brand-new identity, for a number already proven. */
async function startPasskey(phone: string, name: string, kind: "platform" | "cross-platform"): Promise<SignUpStart> {
  await sweepExpiredSignups();
  // Verify only ever sees this random identity, never the phone number (Twilio's guidance).
  const identity = randomUUID();
  try {
    const factor = await createPasskeyFactor({ identity, friendlyName: name, attachment: kind });
    await savePendingSignup({
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

/** Validates the form and texts a code to the number, unless it already banks here. */
export async function beginSignUp(formData: FormData): Promise<CodeSent> {
  const parsed = DetailsSchema.safeParse({ phone: formData.get("phone") ?? "", name: formData.get("name") ?? "" });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    return { ok: false, errors: { phone: fieldErrors.phone, name: fieldErrors.name }, message: "Please check the highlighted fields." };
  }
  const { phone } = parsed.data;
  const address = await requestAddress();
  const verdict = await takeLimits([
    ["signUp", address],
    ["phone", phone],
  ]);
  if (!verdict.ok) return { ok: false, message: tooManyAttemptsMessage(verdict.retryAfterSeconds) };
  if (await findUserByPhone(phone)) return { ok: false, errors: { phone: [ALREADY_EXISTS] } };

  const sent = await requestCode({ purpose: "sign_up", phone, address, requester: await codeRequester(), deliver: true });
  if (!sent.ok) return { ok: false, message: codeRequestMessage(sent) };
  return { ok: true, phone, display: formatPhone(phone), minutes: CODE_TTL_MS / 60_000, notice: codeSentNotice(sent) };
}

const CodeSchema = DetailsSchema.extend({
  code: codeField(),
  attachment,
});

/** Checks the code texted to the number; when right, starts the passkey registration. */
export async function verifySignUpCode(formData: FormData): Promise<SignUpStart> {
  const parsed = CodeSchema.safeParse({
    phone: formData.get("phone") ?? "",
    name: formData.get("name") ?? "",
    code: formData.get("code") ?? "",
    attachment: formData.get("attachment") ?? undefined,
  });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    if (fieldErrors.phone || fieldErrors.name) return { ok: false, restart: true, message: "Please start again with your details." };
    return { ok: false, errors: { code: fieldErrors.code } };
  }
  const { phone, name, code, attachment: kind } = parsed.data;
  const checked = await tryCode({ purpose: "sign_up", phone, code, address: await requestAddress(), requester: await knownCodeRequester() });
  if (!checked.ok) return codeRefusal(checked);
  // Someone may have opened an account on this number since the code was sent.
  if (await findUserByPhone(phone)) return { ok: false, restart: true, message: ALREADY_EXISTS };
  return startPasskey(phone, name, kind);
}

/**
 * The passkey prompt was cancelled after the code was accepted: start a new registration for
 * the same number and name. Knowing the pending factor SID (a 128-bit secret handed only to
 * the browser that passed the code) is what authorises it; the old attempt is dropped once the
 * new one exists.
 */
export async function retrySignUpPasskey(previousFactorSid: string, kind: "platform" | "cross-platform"): Promise<SignUpStart> {
  const verdict = await takeLimits([["signUp", await requestAddress()]]);
  if (!verdict.ok) return { ok: false, message: tooManyAttemptsMessage(verdict.retryAfterSeconds) };
  const sid = FactorSid.safeParse(previousFactorSid);
  const pending = sid.success ? await findPendingSignup(sid.data) : undefined;
  if (!pending || pending.expiresAt < Date.now()) {
    return { ok: false, restart: true, message: "This sign-up has expired. Please start again." };
  }
  const started = await startPasskey(pending.phoneNumber, pending.displayName, attachment.parse(kind));
  // Only once the new attempt exists: if Verify failed just now, this one can be retried again.
  if (started.ok) await dropPendingSignup(pending.factorSid);
  return started;
}

/**
 * The customer gave up ("Start over"): drop the pending sign-up and its Verify identity now
 * rather than at expiry. The factor SID authorises it, as above, and a sign-up whose passkey
 * was verified is left alone.
 */
export async function cancelSignUp(factorSid: string): Promise<void> {
  const sid = FactorSid.safeParse(factorSid);
  if (sid.success) await dropPendingSignup(sid.data);
}
