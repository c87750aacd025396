"use client";
/**
 * Recovery: phone number → one-time code → a new passkey (here, or on another device) →
 * signed in through next-auth's "passkey-recovery" provider. If the passkey prompt is
 * cancelled after the code was accepted, the customer can try again without a new code.
 */
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { requestRecoveryCode, retryRecoveryPasskey, verifyRecoveryCode } from "@/app/(owlbank)/recover/actions";
import { Button } from "@/components/ui/button";
import { CodeField } from "@/components/ui/code-field";
import { CeremonyStatus } from "@/components/ui/notice";
import { PhoneField } from "@/components/ui/phone-field";
import { reportFailures } from "@/components/ui/server-failure";
import { submitted } from "@/components/ui/submitted";
import { prefetchCsrfToken } from "@/lib/auth/client";
import { NO_WEBAUTHN_MESSAGE } from "./errors";
import { rememberSignInDevice } from "./offer-here";
import { type AfterCodeStatus, passkeyAfterCode, RECOVERY } from "./passkey-after-code";
import { requestAcceptedCredentialsSignal } from "./signals";
import { useWebAuthnSupport } from "./use-webauthn-support";

type Step =
  | { name: "phone" }
  | { name: "code"; phone: string; display: string; minutes: number; notice?: string }
  | { name: "passkey"; factorSid: string };

type Status = AfterCodeStatus & { phoneErrors?: string[] };

type Attachment = "platform" | "cross-platform";

export function RecoveryForm() {
  const router = useRouter();
  const supported = useWebAuthnSupport();
  useEffect(prefetchCsrfToken, []);
  const [step, setStep] = useState<Step>({ name: "phone" });
  const [phoneTyped, setPhoneTyped] = useState("");
  const [status, setStatus] = useState<Status>({});
  const busy = Boolean(status.progress);
  const failed = (error: string) => setStatus({ error });

  const sendCode = reportFailures(failed, async (data: FormData) => {
    setPhoneTyped(String(data.get("phone") ?? ""));
    setStatus({ progress: "Sending your code…" });
    const result = await requestRecoveryCode(data);
    if (!result.ok) return setStatus({ error: result.message, phoneErrors: result.errors?.phone });
    setStatus({});
    setStep({ name: "code", phone: result.phone, display: result.display, minutes: result.minutes, notice: result.notice });
  });

  const continueWith = passkeyAfterCode(RECOVERY, {
    setStatus,
    toFirstStep: () => setStep({ name: "phone" }),
    toPasskeyStep: (factorSid) => setStep({ name: "passkey", factorSid }),
    signedIn: (credential) => {
      rememberSignInDevice(credential.authenticatorAttachment);
      requestAcceptedCredentialsSignal();
      router.replace("/dashboard");
    },
  });

  const checkCode = reportFailures(failed, async (data: FormData) => {
    if (!supported) return setStatus({ error: NO_WEBAUTHN_MESSAGE });
    setStatus({ progress: "Checking your code…" });
    await continueWith(await verifyRecoveryCode(data));
  });

  const retry = reportFailures(failed, async (factorSid: string, attachment: Attachment) => {
    setStatus({ progress: "Preparing a new passkey…" });
    await continueWith(await retryRecoveryPasskey(factorSid, attachment));
  });

  if (step.name === "phone") {
    return (
      <form method="post" noValidate className="space-y-5" onSubmit={(event) => void sendCode(submitted(event))}>
        <PhoneField id="phone" defaultValue={phoneTyped} errors={status.phoneErrors} />
        <CeremonyStatus progress={status.progress} error={status.error} />
        <Button type="submit" className="w-full" busy={busy}>
          Text me a code
        </Button>
      </form>
    );
  }

  if (step.name === "code") {
    return (
      <form method="post" noValidate className="space-y-5" onSubmit={(event) => void checkCode(submitted(event))}>
        <p role="status" className="rounded-xl bg-brand-50 px-4 py-3 text-sm text-brand-900">
          {step.notice ??
            `If ${step.display} belongs to an OwlBank account, we've texted it a 6-digit code. It expires in ${step.minutes} minutes.`}
        </p>
        <input type="hidden" name="phone" value={step.phone} />
        <CodeField id="code" errors={status.codeErrors} />
        <CeremonyStatus progress={status.progress} error={status.error} />
        <div className="space-y-3">
          <Button type="submit" name="attachment" value="platform" className="w-full" busy={busy} disabled={!supported}>
            Create a passkey on this device
          </Button>
          <Button type="submit" name="attachment" value="cross-platform" variant="secondary" className="w-full" disabled={busy || !supported}>
            Use another device
          </Button>
          <Button variant="ghost" className="w-full" disabled={busy} onClick={() => setStep({ name: "phone" })}>
            Send a new code
          </Button>
        </div>
      </form>
    );
  }

  const factorSid = step.factorSid;
  return (
    <div className="space-y-5">
      <p className="text-slate-700">Your code was accepted. Create your new passkey to finish.</p>
      <CeremonyStatus progress={status.progress} error={status.error} />
      <div className="space-y-3">
        <Button className="w-full" busy={busy} onClick={() => void retry(factorSid, "platform")}>
          Create a passkey on this device
        </Button>
        <Button variant="secondary" className="w-full" disabled={busy} onClick={() => void retry(factorSid, "cross-platform")}>
          Use another device
        </Button>
      </div>
    </div>
  );
}
