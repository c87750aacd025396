"use client";
/**
 * Opening an account: phone number and name → the code texted to that number → Verify
 * factor → the browser creates a passkey → next-auth's "passkey-signup" provider verifies it
 * and creates the user. If the passkey prompt is cancelled after the code was accepted, the
 * customer can try again without a new code.
 */
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { beginSignUp, cancelSignUp, retrySignUpPasskey, type SignUpFields, verifySignUpCode } from "@/app/(owlbank)/sign-up/actions";
import { Button } from "@/components/ui/button";
import { CodeField } from "@/components/ui/code-field";
import { Field } from "@/components/ui/field";
import { CeremonyStatus } from "@/components/ui/notice";
import { PhoneField } from "@/components/ui/phone-field";
import { reportFailures } from "@/components/ui/server-failure";
import { submitted } from "@/components/ui/submitted";
import { prefetchCsrfToken } from "@/lib/auth/client";
import { NO_WEBAUTHN_MESSAGE } from "./errors";
import { type AfterCodeStatus, passkeyAfterCode, SIGN_UP } from "./passkey-after-code";
import { useWebAuthnSupport } from "./use-webauthn-support";

type Attachment = "platform" | "cross-platform";

type Step =
  | { name: "details" }
  | { name: "code"; phone: string; display: string; minutes: number; notice?: string; fullName: string; attachment: Attachment }
  | { name: "passkey"; factorSid: string };

type Status = AfterCodeStatus & { errors?: Partial<Record<keyof SignUpFields, string[]>> };

export function SignUpForm() {
  const router = useRouter();
  const supported = useWebAuthnSupport();
  useEffect(prefetchCsrfToken, []);
  const [step, setStep] = useState<Step>({ name: "details" });
  // Kept here because the details form is unmounted while the code is asked for.
  const [typed, setTyped] = useState<SignUpFields>({ phone: "", name: "" });
  const [status, setStatus] = useState<Status>({});
  const busy = Boolean(status.progress);
  const failed = (error: string) => setStatus({ error });

  const sendCode = reportFailures(failed, async (data: FormData) => {
    const fullName = String(data.get("name") ?? "");
    setTyped({ phone: String(data.get("phone") ?? ""), name: fullName });
    if (!supported) return setStatus({ error: NO_WEBAUTHN_MESSAGE });
    setStatus({ progress: "Texting you a code…" });
    const sent = await beginSignUp(data);
    if (!sent.ok) return setStatus({ error: sent.message, errors: sent.errors });
    const attachment = data.get("attachment") === "cross-platform" ? "cross-platform" : "platform";
    setStatus({});
    setStep({ name: "code", phone: sent.phone, display: sent.display, minutes: sent.minutes, notice: sent.notice, fullName, attachment });
  });

  const continueWith = passkeyAfterCode(SIGN_UP, {
    setStatus,
    toFirstStep: () => setStep({ name: "details" }),
    toPasskeyStep: (factorSid) => setStep({ name: "passkey", factorSid }),
    signedIn: () => router.replace("/dashboard"),
  });

  const checkCode = reportFailures(failed, async (data: FormData) => {
    setStatus({ progress: "Checking your code…" });
    await continueWith(await verifySignUpCode(data));
  });

  const retry = reportFailures(failed, async (factorSid: string, attachment: Attachment) => {
    setStatus({ progress: "Preparing a new passkey…" });
    await continueWith(await retrySignUpPasskey(factorSid, attachment));
  });

  const startOver = reportFailures(failed, async (factorSid: string) => {
    setStatus({});
    setStep({ name: "details" });
    // Nothing was created: forget the pending sign-up and its Verify identity now, not at expiry.
    await cancelSignUp(factorSid);
  });

  if (step.name === "details") {
    return (
      <form method="post" noValidate className="space-y-5" onSubmit={(event) => void sendCode(submitted(event))}>
        <PhoneField id="phone" hint="We'll text it a code. It's how we'll know you, and we never share it." defaultValue={typed.phone} errors={status.errors?.phone} />
        <Field
          id="name"
          name="name"
          label="Full name"
          autoComplete="name"
          placeholder="Ana Silva"
          required
          maxLength={64}
          defaultValue={typed.name}
          errors={status.errors?.name}
        />

        <CeremonyStatus id="sign-up-status" progress={status.progress} error={status.error ?? (supported ? null : NO_WEBAUTHN_MESSAGE)} />

        <div className="space-y-3 pt-1">
          <Button type="submit" name="attachment" value="platform" className="w-full" busy={busy} disabled={!supported}>
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
          <Button type="submit" name="attachment" value="cross-platform" variant="secondary" className="w-full" disabled={busy || !supported}>
            Use another device
          </Button>
          <p className="text-center text-sm text-slate-500">Save the passkey on your phone or a security key instead.</p>
        </div>
      </form>
    );
  }

  if (step.name === "code") {
    return (
      <form method="post" noValidate className="space-y-5" onSubmit={(event) => void checkCode(submitted(event))}>
        <p role="status" className="rounded-xl bg-brand-50 px-4 py-3 text-sm text-brand-900">
          {step.notice ?? `We texted a 6-digit code to ${step.display}. It expires in ${step.minutes} minutes.`}
        </p>
        <input type="hidden" name="phone" value={step.phone} />
        <input type="hidden" name="name" value={step.fullName} />
        <input type="hidden" name="attachment" value={step.attachment} />
        <CodeField id="code" errors={status.codeErrors} />
        <CeremonyStatus progress={status.progress} error={status.error} />
        <div className="space-y-3">
          <Button type="submit" className="w-full" busy={busy}>
            Continue
          </Button>
          <Button variant="ghost" className="w-full" disabled={busy} onClick={() => setStep({ name: "details" })}>
            Change the number, or send a new code
          </Button>
        </div>
      </form>
    );
  }

  const factorSid = step.factorSid;
  return (
    <div className="space-y-5">
      <p className="text-slate-700">Your number is confirmed. Create your passkey to finish opening your account.</p>
      <CeremonyStatus progress={status.progress} error={status.error} />
      <div className="space-y-3">
        <Button className="w-full" busy={busy} onClick={() => void retry(factorSid, "platform")}>
          Create a passkey on this device
        </Button>
        <Button variant="secondary" className="w-full" disabled={busy} onClick={() => void retry(factorSid, "cross-platform")}>
          Use another device
        </Button>
        <Button variant="ghost" className="w-full" disabled={busy} onClick={() => void startOver(factorSid)}>
          Start over
        </Button>
      </div>
    </div>
  );
}
