"use client";
/**
 * "Add a passkey" for the signed-in customer: a passkey approval first if the last one is
 * not recent (step-up) → Create Factor for their identity → the browser creates the passkey
 * → Verify Factor (server action, checked against the session).
 */
import { startRegistration } from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { beginAddPasskey, finishAddPasskey } from "@/app/(owlbank)/(signed-in)/settings/security/actions";
import { Button } from "@/components/ui/button";
import { CeremonyStatus } from "@/components/ui/notice";
import { ceremonyErrorMessage, NO_WEBAUTHN_MESSAGE } from "./errors";
import { withStepUp } from "./step-up";
import { useWebAuthnSupport } from "./use-webauthn-support";

type Status = { progress?: string; error?: string; success?: string };

export function AddPasskeyButton() {
  const router = useRouter();
  const supported = useWebAuthnSupport();
  const [status, setStatus] = useState<Status>({});
  const busy = Boolean(status.progress);

  async function add() {
    if (!supported) return setStatus({ error: NO_WEBAUTHN_MESSAGE });
    setStatus({ progress: "Preparing…" });
    const started = await withStepUp(() => beginAddPasskey(), (progress) => setStatus({ progress }));
    if (!started.ok) return setStatus({ error: started.message });

    setStatus({ progress: "Follow your device's prompt to create a passkey…" });
    let credential;
    try {
      credential = await startRegistration({ optionsJSON: started.optionsJSON });
    } catch (error) {
      return setStatus({ error: ceremonyErrorMessage(error, "add-passkey") ?? undefined });
    }

    setStatus({ progress: "Saving your new passkey…" });
    const result = await finishAddPasskey(JSON.stringify(credential));
    setStatus(result.ok ? { success: result.message } : { error: result.message });
    router.refresh();
  }

  return (
    <div className="space-y-3">
      <Button onClick={add} busy={busy} disabled={!supported} className="w-full sm:w-auto">
        Add a passkey
      </Button>
      <CeremonyStatus progress={status.progress} error={status.error ?? (supported ? null : NO_WEBAUTHN_MESSAGE)} success={status.success} />
    </div>
  );
}
