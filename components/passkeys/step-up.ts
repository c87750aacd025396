"use client";
/**
 * Running an action that may need a fresh passkey approval: the server says `stepUp` when
 * the last approval is too old; then the customer confirms with a passkey and the action runs
 * once more. The server decides; the browser only follows.
 */
import { startAuthentication } from "@simplewebauthn/browser";
import { beginStepUpAction, finishStepUpAction } from "@/app/(owlbank)/(signed-in)/step-up/actions";
import { ceremonyErrorMessage } from "./errors";

export const STEP_UP_PROGRESS = "For your security, confirm it's you with your passkey…";

/** A passkey approval by the signed-in customer; a message to show when it didn't happen. */
export async function confirmWithPasskey(): Promise<{ ok: true } | { ok: false; message: string }> {
  const started = await beginStepUpAction();
  if (!started.ok) return started;
  let credential;
  try {
    credential = await startAuthentication({ optionsJSON: started.optionsJSON });
  } catch (error) {
    return { ok: false, message: ceremonyErrorMessage(error, "step-up") ?? "No passkey was used, so nothing was changed." };
  }
  return finishStepUpAction(JSON.stringify(credential));
}

/**
 * Runs `action`; when it answers `stepUp`, reports `STEP_UP_PROGRESS`, asks for a passkey
 * approval and runs it again. A failed approval is returned as `{ ok: false, message }`.
 */
export async function withStepUp<T extends { ok?: boolean; stepUp?: boolean; message?: string }>(
  action: () => Promise<T>,
  onProgress?: (message: string) => void,
): Promise<T | { ok: false; message: string }> {
  const first = await action();
  if (!first.stepUp) return first;
  onProgress?.(STEP_UP_PROGRESS);
  const confirmed = await confirmWithPasskey();
  if (!confirmed.ok) return confirmed;
  return action();
}
