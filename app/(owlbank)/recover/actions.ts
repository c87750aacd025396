"use server";
/**
 * "Lost your passkey?": a one-time code to the account's phone number, then a new passkey.
 * Finishing is the "passkey-recovery" provider in lib/auth/config.ts. Asking for a code answers the
 * same whether or not the number banks here (only customers are texted), and every step is rate
 * limited.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import { z } from "zod";
import type { User } from "@/db/schema/owlbank";
import { codeRequester, knownCodeRequester } from "@/lib/owlbank/code-requester";
import { CODE_TTL_MS } from "@/lib/owlbank/code-store";
import { codeField, requestCode, tryCode } from "@/lib/owlbank/one-time-codes";
import { codeCheckMessage, codeRefusal, codeRequestMessage, codeSentNotice } from "@/lib/owlbank/one-time-code-messages";
import { rememberUserHandle } from "@/lib/owlbank/passkey-credentials";
import { formatPhone, phoneField } from "@/lib/owlbank/phone";
import { requestAddress, takeLimits, tooManyAttemptsMessage } from "@/lib/owlbank/rate-limits";
import { deletePendingRecovery, findPendingRecovery, savePendingRecovery } from "@/lib/owlbank/recovery";
import { findUserById, findUserByPhone } from "@/lib/owlbank/users";
import { createPasskeyFactor, describeVerifyError, verifyErrorCode, verifyErrorMessage } from "@/lib/verify-client";

const phone = phoneField("Enter the phone number of your account.");

const attachment = z.enum(["platform", "cross-platform"]).catch("platform");

export type CodeRequest =
  /** `notice`: a repeat request, which texted nothing (said the same for every number). */
  | { ok: true; phone: string; display: string; minutes: number; notice?: string }
  | { ok: false; errors?: { phone?: string[] }; message?: string };

/** Sends a code to the number if it has an account; answers the same either way. */
export async function requestRecoveryCode(formData: FormData): Promise<CodeRequest> {
  const parsed = z.object({ phone }).safeParse({ phone: formData.get("phone") ?? "" });
  if (!parsed.success) return { ok: false, errors: { phone: z.flattenError(parsed.error).fieldErrors.phone } };
  const number = parsed.data.phone;
  const result = await requestCode({
    purpose: "recovery",
    phone: number,
    address: await requestAddress(),
    // Set for every number alike: a cookie only for customers' numbers would tell them apart.
    requester: await codeRequester(),
    deliver: Boolean(await findUserByPhone(number)),
  });
  if (!result.ok) return { ok: false, message: codeRequestMessage(result) };
  return { ok: true, phone: number, display: formatPhone(number), minutes: CODE_TTL_MS / 60_000, notice: codeSentNotice(result) };
}

export type RecoveryStart =
  | { ok: true; factorSid: string; optionsJSON: PublicKeyCredentialCreationOptionsJSON }
  | { ok: false; errors?: { code?: string[] }; message?: string; restart?: boolean };

/** Starts the new passkey's registration for `user`, remembered as a pending recovery. */
async function newPasskeyFor(user: User, kind: "platform" | "cross-platform", expiresAt?: number): Promise<RecoveryStart> {
  try {
    const factor = await createPasskeyFactor({ identity: user.verifyIdentity, friendlyName: user.displayName, attachment: kind });
    await savePendingRecovery({ factorSid: factor.factorSid, userId: user.id, expiresAt });
    await rememberUserHandle(user.id, factor.optionsJSON.user.id);
    return { ok: true, factorSid: factor.factorSid, optionsJSON: factor.optionsJSON };
  } catch (error) {
    console.error(`[recovery] CreateFactor failed: ${describeVerifyError(error)}`);
    return { ok: false, message: verifyErrorMessage(verifyErrorCode(error)) };
  }
}

const CodeSchema = z.object({
  phone,
  code: codeField(),
  attachment,
});

/** Checks the code; when right, starts registering the new passkey where the customer chose. */
export async function verifyRecoveryCode(formData: FormData): Promise<RecoveryStart> {
  const parsed = CodeSchema.safeParse({
    phone: formData.get("phone") ?? "",
    code: formData.get("code") ?? "",
    attachment: formData.get("attachment") ?? undefined,
  });
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error);
    if (fieldErrors.phone) return { ok: false, restart: true, message: "Please start again with your phone number." };
    return { ok: false, errors: { code: fieldErrors.code } };
  }
  const { phone: number, code, attachment: kind } = parsed.data;
  const checked = await tryCode({
    purpose: "recovery",
    phone: number,
    code,
    address: await requestAddress(),
    requester: await knownCodeRequester(),
  });
  if (!checked.ok) return codeRefusal(checked);
  // A right code was only ever sent to a customer's number; it may have changed since.
  const user = await findUserByPhone(number);
  if (!user) return { ok: false, restart: true, message: codeCheckMessage({ ok: false, reason: "expired" }) };
  return newPasskeyFor(user, kind);
}

/**
 * The passkey prompt was cancelled after the code was accepted: start another registration.
 * Knowing the pending factor SID (handed only to the browser that passed the code) is what
 * authorises it, and the retry keeps the original deadline.
 */
export async function retryRecoveryPasskey(previousFactorSid: string, kind: "platform" | "cross-platform"): Promise<RecoveryStart> {
  const verdict = await takeLimits([["recovery", await requestAddress()]]);
  if (!verdict.ok) return { ok: false, message: tooManyAttemptsMessage(verdict.retryAfterSeconds) };
  const sid = z.string().regex(/^YF[0-9a-fA-F]{32}$/).safeParse(previousFactorSid);
  const pending = sid.success ? await findPendingRecovery(sid.data) : undefined;
  const user = pending && (await findUserById(pending.userId));
  if (!pending || !user) return { ok: false, restart: true, message: "This recovery has expired. Please ask for a new code." };
  const started = await newPasskeyFor(user, attachment.parse(kind), pending.expiresAt);
  // Only once the new attempt exists: if Verify failed just now, this one can be retried again.
  if (started.ok) await deletePendingRecovery(pending.factorSid);
  return started;
}
