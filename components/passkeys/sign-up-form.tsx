"use client";
/**
 * Opening an account: phone number and name → Verify factor → the browser creates a
 * passkey → next-auth's "passkey-signup" provider verifies it and creates the user.
 */
import { startRegistration } from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState } from "react";
import { beginSignUp, cancelSignUp, type SignUpFields } from "@/app/(owlbank)/sign-up/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { CeremonyStatus } from "@/components/ui/notice";
import { prefetchCsrfToken, signInWith } from "@/lib/auth/client";
import { authErrorMessage, ceremonyErrorMessage, NO_WEBAUTHN_MESSAGE } from "./errors";
import { useWebAuthnSupport } from "./use-webauthn-support";

type State = {
  errors?: Partial<Record<keyof SignUpFields, string[]>>;
  message?: string;
  /** Echoed back because React resets uncontrolled forms after an action. */
  values?: SignUpFields;
};

type Step = "passkey" | "finishing" | "done";

const PROGRESS: Record<Step | "starting", string> = {
  starting: "Setting up your account…",
  passkey: "Follow your device's prompt to create a passkey…",
  finishing: "Securing your account…",
  done: "Your account is ready. Opening your dashboard…",
};

export function SignUpForm() {
  const router = useRouter();
  const supported = useWebAuthnSupport();
  useEffect(prefetchCsrfToken, []);
  // Set only after an await, so each step renders at once instead of at the action's end.
  const [step, setStep] = useState<Step | null>(null);

  const [state, formAction, pending] = useActionState(async (_prev: State, formData: FormData): Promise<State> => {
    const values = { phone: String(formData.get("phone") ?? ""), name: String(formData.get("name") ?? "") };
    if (!supported) return { values, message: NO_WEBAUTHN_MESSAGE };

    const started = await beginSignUp(formData);
    if (!started.ok) {
      setStep(null);
      return { values, errors: started.errors, message: started.message };
    }

    setStep("passkey");
    let credential;
    try {
      credential = await startRegistration({ optionsJSON: started.optionsJSON });
    } catch (error) {
      // Nothing was created: forget the pending sign-up now rather than at expiry.
      void cancelSignUp(started.factorSid);
      setStep(null);
      return { values, message: ceremonyErrorMessage(error, "sign-up") ?? undefined };
    }

    setStep("finishing");
    const result = await signInWith("passkey-signup", { credential: JSON.stringify(credential) });
    if (!result.ok) {
      setStep(null);
      return { values, message: authErrorMessage(result.error) };
    }
    setStep("done");
    router.replace("/dashboard");
    return { values };
  }, {});

  const progress = pending ? PROGRESS[step ?? "starting"] : step === "done" ? PROGRESS.done : null;

  return (
    <form action={formAction} noValidate className="space-y-5">
      <Field
        id="phone"
        name="phone"
        label="Phone number"
        type="tel"
        inputMode="tel"
        autoComplete="tel"
        placeholder="(415) 555-0123"
        hint="This is how we'll know you. We never share it."
        required
        defaultValue={state.values?.phone}
        errors={state.errors?.phone}
      />
      <Field
        id="name"
        name="name"
        label="Full name"
        autoComplete="name"
        placeholder="Ana Silva"
        required
        maxLength={64}
        defaultValue={state.values?.name}
        errors={state.errors?.name}
      />

      <CeremonyStatus id="sign-up-status" progress={progress} error={state.message ?? (supported ? null : NO_WEBAUTHN_MESSAGE)} />

      <div className="space-y-3 pt-1">
        <Button type="submit" name="attachment" value="platform" className="w-full" busy={pending} disabled={!supported}>
          Create account
        </Button>
        <p className="text-center text-sm text-slate-500">
          Uses Face ID, Touch ID, Windows Hello or your screen lock to save a passkey on this device.
        </p>
        <div className="flex items-center gap-3 text-xs font-medium uppercase tracking-wider text-slate-400" aria-hidden="true">
          <span className="h-px flex-1 bg-slate-200" />
          or
          <span className="h-px flex-1 bg-slate-200" />
        </div>
        <Button type="submit" name="attachment" value="cross-platform" variant="secondary" className="w-full" disabled={pending || !supported}>
          Use another device
        </Button>
        <p className="text-center text-sm text-slate-500">Save the passkey on your phone or a security key instead.</p>
      </div>
    </form>
  );
}
