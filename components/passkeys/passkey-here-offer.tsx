"use client";
/**
 * The dashboard's offer to create a passkey on this device, after a sign-in or recovery with
 * a passkey from another device. Shown only when this device has a platform authenticator,
 * and dismissible; creating one goes through the usual (server-authorised) add-passkey path.
 */
import { platformAuthenticatorIsAvailable } from "@simplewebauthn/browser";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { CeremonyStatus } from "@/components/ui/notice";
import { reportFailures } from "@/components/ui/server-failure";
import { addPasskey } from "./add-passkey";
import { dismissPasskeyOffer, usePasskeyOfferPending } from "./offer-here";

type Status = { progress?: string; error?: string; success?: string };

export function PasskeyHereOffer() {
  const pending = usePasskeyOfferPending();
  const [platform, setPlatform] = useState(false);
  const [status, setStatus] = useState<Status>({});
  const failed = (error: string) => setStatus({ error });

  useEffect(() => {
    if (!pending) return;
    let live = true;
    platformAuthenticatorIsAvailable().then(
      (available) => live && setPlatform(available),
      () => live && setPlatform(false),
    );
    return () => {
      live = false;
    };
  }, [pending]);

  const create = reportFailures(failed, async () => {
    const result = await addPasskey("platform", (progress) => setStatus({ progress }));
    if (!result.ok) return setStatus({ error: result.message });
    dismissPasskeyOffer();
    setStatus({ success: "Passkey created. Next time, sign in on this device with Face ID, Touch ID or your screen lock." });
  });

  if (status.success) return <CeremonyStatus success={status.success} />;
  if (!pending || !platform) return null;

  return (
    <section aria-labelledby="passkey-here-heading" className="rounded-2xl bg-white p-5 shadow-xs ring-1 ring-brand-200">
      <h2 id="passkey-here-heading" className="font-semibold text-slate-900">
        Create a passkey on this device?
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        You signed in with a passkey from another device. With one here, you can sign in with Face ID, Touch ID or your screen lock next time.
      </p>
      <div className="mt-4 flex flex-wrap gap-2">
        <Button size="sm" onClick={create} busy={Boolean(status.progress)}>
          Create a passkey here
        </Button>
        <Button size="sm" variant="ghost" onClick={dismissPasskeyOffer} disabled={Boolean(status.progress)}>
          Not now
        </Button>
      </div>
      <div className="mt-3">
        <CeremonyStatus progress={status.progress} error={status.error} />
      </div>
    </section>
  );
}
