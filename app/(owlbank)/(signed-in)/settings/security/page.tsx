import type { Metadata } from "next";
import { AddPasskeyButton } from "@/components/passkeys/add-passkey-button";
import { PasskeyList } from "@/components/passkeys/passkey-list";
import { getMyPasskeys } from "@/lib/owlbank/passkeys";
import { formatPhone } from "@/lib/owlbank/phone";
import { requireUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Passkeys · OwlBank" };

export default async function SecurityPage() {
  const user = await requireUser();
  const passkeys = await getMyPasskeys();

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
    </div>
  );
}
