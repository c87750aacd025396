"use client";
/**
 * The add-passkey ceremony, shared by "Add a passkey" and the dashboard's offer: a step-up
 * approval first if the last one is not recent → Create Factor for the signed-in identity →
 * the browser creates the passkey → Verify Factor (server action, checked against the session).
 */
import { startRegistration } from "@simplewebauthn/browser";
import { beginAddPasskey, finishAddPasskey } from "@/app/(owlbank)/(signed-in)/settings/security/actions";
import { ceremonyErrorMessage } from "./errors";
import { withStepUp } from "./step-up";

/** `message` is absent when a cancelled prompt needs no words (ceremonyErrorMessage). */
export type AddPasskeyOutcome = { ok: true; message?: string } | { ok: false; message?: string };

export async function addPasskey(
  attachment: "platform" | undefined,
  onProgress: (message: string) => void,
): Promise<AddPasskeyOutcome> {
  onProgress("Preparing…");
  const started = await withStepUp(() => beginAddPasskey(attachment), onProgress);
  if (!started.ok) return { ok: false, message: started.message };

  onProgress("Follow your device's prompt to create a passkey…");
  let credential;
  try {
    credential = await startRegistration({ optionsJSON: started.optionsJSON });
  } catch (error) {
    return { ok: false, message: ceremonyErrorMessage(error, "add-passkey") ?? undefined };
  }

  onProgress("Saving your new passkey…");
  return finishAddPasskey(JSON.stringify(credential));
}
