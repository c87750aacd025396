"use server";
/**
 * The step-up ceremony for sensitive settings: a passkey approval that proves the person at
 * the keyboard is the customer, not just someone holding their session.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { requireUser } from "@/lib/owlbank/session";
import { beginStepUp, finishStepUp } from "@/lib/owlbank/step-up-ceremony";
import {
  AuthenticationResponseSchema,
  describeVerifyError,
  parseCredentialJson,
  verifyErrorCode,
  verifyErrorMessage,
} from "@/lib/verify-client";

export type StepUpStart = { ok: true; optionsJSON: PublicKeyCredentialRequestOptionsJSON } | { ok: false; message: string };
export type StepUpResult = { ok: true } | { ok: false; message: string };

function failure(step: string, error: unknown): { ok: false; message: string } {
  const code = verifyErrorCode(error);
  if (code === undefined) console.error(`[step-up] ${step} failed: ${describeVerifyError(error)}`);
  // No passkey left to confirm with (the last one was deleted): the phone number still is.
  if (step === "CreateChallenge" && (code === 60390 || code === 60392)) {
    return { ok: false, message: "You have no passkey to confirm it's you with. Sign out, then use “Lost your passkey?” to get a code by text." };
  }
  return { ok: false, message: verifyErrorMessage(code) };
}

/** A challenge that only the signed-in user's passkeys can answer. */
export async function beginStepUpAction(): Promise<StepUpStart> {
  // Outside the try: a signed-out visitor's redirect must not be caught as a Verify failure.
  await requireUser();
  try {
    return { ok: true, optionsJSON: await beginStepUp() };
  } catch (error) {
    return failure("CreateChallenge", error);
  }
}

/** Verify approves the assertion; it must be this user's step-up challenge. */
export async function finishStepUpAction(credentialJson: string): Promise<StepUpResult> {
  await requireUser();
  const assertion = parseCredentialJson(AuthenticationResponseSchema, credentialJson);
  if (!assertion) return { ok: false, message: "Your browser sent an incomplete passkey response. Please try again." };
  try {
    if (await finishStepUp(assertion)) return { ok: true };
    return { ok: false, message: "That passkey approval wasn't for this request. Please try again." };
  } catch (error) {
    return failure("ApproveChallenge", error);
  }
}
