"use client";
/**
 * "Add a passkey" for the signed-in customer (the ceremony is in add-passkey.ts).
 */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { CeremonyStatus } from "@/components/ui/notice";
import { reportFailures } from "@/components/ui/server-failure";
import { addPasskey } from "./add-passkey";
import { NO_WEBAUTHN_MESSAGE } from "./errors";
import { useWebAuthnSupport } from "./use-webauthn-support";

type Status = { progress?: string; error?: string; success?: string };

export function AddPasskeyButton() {
  const router = useRouter();
  const supported = useWebAuthnSupport();
  const [status, setStatus] = useState<Status>({});
  const busy = Boolean(status.progress);
  const failed = (error: string) => setStatus({ error });

  const add = reportFailures(failed, async () => {
    if (!supported) return setStatus({ error: NO_WEBAUTHN_MESSAGE });
    const result = await addPasskey(undefined, (progress) => setStatus({ progress }));
    setStatus(result.ok ? { success: result.message } : { error: result.message });
    router.refresh();
  });

  return (
    <div className="space-y-3">
      <Button onClick={add} busy={busy} disabled={!supported} className="w-full sm:w-auto">
        Add a passkey
      </Button>
      <CeremonyStatus progress={status.progress} error={status.error ?? (supported ? null : NO_WEBAUTHN_MESSAGE)} success={status.success} />
    </div>
  );
}
