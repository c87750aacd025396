"use client";
/**
 * Changing the phone number: the new number, a passkey approval if the last one is not
 * recent, then the code texted to the new number.
 */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { beginPhoneChange, confirmPhoneChange } from "@/app/(owlbank)/(signed-in)/settings/profile/actions";
import { withStepUp } from "@/components/passkeys/step-up";
import { Button } from "@/components/ui/button";
import { CodeField } from "@/components/ui/code-field";
import { CeremonyStatus } from "@/components/ui/notice";
import { PhoneField } from "@/components/ui/phone-field";
import { reportFailures } from "@/components/ui/server-failure";
import { submitted } from "@/components/ui/submitted";

type Status = { progress?: string; error?: string; success?: string; phoneErrors?: string[]; codeErrors?: string[] };

export function PhoneForm() {
  const router = useRouter();
  const [pending, setPending] = useState<{ phone: string; display: string; notice?: string } | null>(null);
  const [typed, setTyped] = useState("");
  const [status, setStatus] = useState<Status>({});
  const busy = Boolean(status.progress);
  const progress = (message: string) => setStatus({ progress: message });
  const failed = (error: string) => setStatus({ error });

  const sendCode = reportFailures(failed, async (data: FormData) => {
    setTyped(String(data.get("phone") ?? ""));
    setStatus({ progress: "Checking the number…" });
    const result = await withStepUp(() => beginPhoneChange(data), progress);
    if (!result.ok) return setStatus({ error: result.message, phoneErrors: "errors" in result ? result.errors?.phone : undefined });
    setStatus({});
    setPending({ phone: result.phone, display: result.display, notice: result.notice });
  });

  const confirm = reportFailures(failed, async (data: FormData) => {
    setStatus({ progress: "Checking the code…" });
    const result = await withStepUp(() => confirmPhoneChange(data), progress);
    if (!result.ok) return setStatus({ error: result.message, codeErrors: "errors" in result ? result.errors?.code : undefined });
    setPending(null);
    setTyped("");
    setStatus({ success: result.message });
    router.refresh();
  });

  if (pending) {
    return (
      <form method="post" noValidate className="mt-4 space-y-4" onSubmit={(event) => void confirm(submitted(event))}>
        <p role="status" className="rounded-xl bg-brand-50 px-4 py-3 text-sm text-brand-900">
          {pending.notice ?? `We texted a 6-digit code to ${pending.display}. It expires in 10 minutes.`}
        </p>
        <input type="hidden" name="phone" value={pending.phone} />
        <CodeField id="phone-code" errors={status.codeErrors} />
        <CeremonyStatus progress={status.progress} error={status.error} />
        <div className="flex flex-wrap gap-2">
          <Button type="submit" size="sm" busy={busy}>
            Confirm new number
          </Button>
          <Button size="sm" variant="secondary" disabled={busy} onClick={() => setPending(null)}>
            Cancel
          </Button>
        </div>
      </form>
    );
  }

  return (
    <form method="post" noValidate className="mt-4 space-y-4" onSubmit={(event) => void sendCode(submitted(event))}>
      <PhoneField id="new-phone" label="New phone number" defaultValue={typed} errors={status.phoneErrors} />
      <CeremonyStatus progress={status.progress} error={status.error} success={status.success} />
      <Button type="submit" size="sm" busy={busy}>
        Text me a code
      </Button>
    </form>
  );
}
