/**
 * The end that sign-up and recovery share. A texted code was accepted (or a cancelled passkey
 * prompt is being retried), so Verify made a factor; the browser creates the passkey, and
 * next-auth's provider verifies it and signs the customer in.
 */
import { type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON, startRegistration } from "@simplewebauthn/browser";
import { signInWith } from "@/lib/auth/client";
import type { AuthErrorKey } from "@/lib/auth/errors";
import { authErrorMessage, type Ceremony, ceremonyErrorMessage } from "./errors";

/** What the server actions that check a code or retry a prompt answer. */
export type PasskeyStart =
  | { ok: true; factorSid: string; optionsJSON: PublicKeyCredentialCreationOptionsJSON }
  | { ok: false; errors?: { code?: string[] }; message?: string; restart?: boolean };

type Flow = {
  ceremony: Extract<Ceremony, "sign-up" | "recovery">;
  provider: "passkey-signup" | "passkey-recovery";
  /** next-auth refusals after which this attempt is gone: back to the first step. */
  restartOn: readonly AuthErrorKey[];
  text: { prompt: string; finishing: string; done: string };
};

export const SIGN_UP: Flow = {
  ceremony: "sign-up",
  provider: "passkey-signup",
  restartOn: ["no_pending_signup", "signup_expired", "phone_taken"],
  text: {
    prompt: "Follow your device's prompt to create a passkey…",
    finishing: "Securing your account…",
    done: "Your account is ready. Opening your dashboard…",
  },
};

export const RECOVERY: Flow = {
  ceremony: "recovery",
  provider: "passkey-recovery",
  restartOn: ["no_pending_recovery", "recovery_expired"],
  text: {
    prompt: "Follow your device's prompt to create your new passkey…",
    finishing: "Signing you in…",
    done: "Your new passkey is ready. Opening your accounts…",
  },
};

export type AfterCodeStatus = { progress?: string; error?: string; codeErrors?: string[] };

/**
 * Returns what to do with a PasskeyStart: show its refusal (back at the first step when the
 * server says so), or run the ceremony to the signed-in page.
 */
export function passkeyAfterCode(
  flow: Flow,
  ui: {
    setStatus: (status: AfterCodeStatus) => void;
    toFirstStep: () => void;
    /** Where a cancelled prompt lands: the step that offers to try again. */
    toPasskeyStep: (factorSid: string) => void;
    signedIn: (credential: RegistrationResponseJSON) => void;
  },
) {
  return async function continueWith(started: PasskeyStart): Promise<void> {
    if (!started.ok) {
      if (started.restart) ui.toFirstStep();
      return ui.setStatus({ error: started.message, codeErrors: started.errors?.code });
    }
    ui.toPasskeyStep(started.factorSid);
    ui.setStatus({ progress: flow.text.prompt });
    let credential: RegistrationResponseJSON;
    try {
      credential = await startRegistration({ optionsJSON: started.optionsJSON });
    } catch (error) {
      return ui.setStatus({ error: ceremonyErrorMessage(error, flow.ceremony) ?? undefined });
    }
    ui.setStatus({ progress: flow.text.finishing });
    const result = await signInWith(flow.provider, { credential: JSON.stringify(credential) });
    if (!result.ok) {
      if (flow.restartOn.includes(result.error as AuthErrorKey)) ui.toFirstStep();
      return ui.setStatus({ error: authErrorMessage(result.error) });
    }
    ui.setStatus({ progress: flow.text.done });
    ui.signedIn(credential);
  };
}
