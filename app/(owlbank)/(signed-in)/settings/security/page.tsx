import type { Metadata } from "next";
import { config } from "@/lib/env";
import { AddPasskeyButton } from "@/components/passkeys/add-passkey-button";
import { PasskeyList } from "@/components/passkeys/passkey-list";
import { SessionList } from "@/components/passkeys/session-list";
import { getMyPasskeys } from "@/lib/owlbank/passkeys";
import { formatPhone } from "@/lib/owlbank/phone";
import { getMySessions, requireUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Passkeys · OwlBank" };

/** "30 minutes", "12 hours", "1 hour": the configured lifetimes in words. */
function duration(ms: number): string {
  const [value, unit] = ms % 3_600_000 === 0 ? [ms / 3_600_000, "hour"] : ms % 60_000 === 0 ? [ms / 60_000, "minute"] : [Math.round(ms / 1000), "second"];
  return `${value} ${unit}${value === 1 ? "" : "s"}`;
}

export default async function SecurityPage() {
  const { owlbank } = config();
  const user = await requireUser();
  const [passkeys, sessions] = await Promise.all([getMyPasskeys(), getMySessions()]);

  return (
    <div className="max-w-2xl space-y-8">
      <div>
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-700">Security</p>
        <h1 className="mt-1 text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">Passkeys</h1>
        <p className="mt-2 text-slate-600">
          Passkeys let you sign in as {formatPhone(user.phoneNumber)} with Face ID, a fingerprint or your screen lock. Keep at least two, on different
          devices, so losing one phone never locks you out.
        </p>
      </div>
      <PasskeyList passkeys={passkeys} />
      <AddPasskeyButton />
      <section aria-labelledby="sessions-heading" className="space-y-3">
        <div>
          <h2 id="sessions-heading" className="text-lg font-semibold text-slate-900">
            Where you&apos;re signed in
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Sessions end after {duration(owlbank.sessionIdleMs)} without activity and {duration(owlbank.sessionLifetimeMs)} after they began. If you
            don&apos;t recognise one, sign it out and delete any passkey you have lost.
          </p>
        </div>
        <SessionList sessions={sessions} />
      </section>
    </div>
  );
}
