import type { Metadata } from "next";
import { NameForm } from "@/components/profile/name-form";
import { PhoneForm } from "@/components/profile/phone-form";
import { formatPhone } from "@/lib/owlbank/phone";
import { requireUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Profile · OwlBank" };

export default async function ProfilePage() {
  const user = await requireUser();
  return (
    <div className="max-w-2xl space-y-8">
      <div>
        <p className="text-sm font-semibold uppercase tracking-wider text-brand-700">Settings</p>
        <h1 className="mt-1 text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">Profile</h1>
      </div>
      <section aria-labelledby="name-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
        <h2 id="name-heading" className="text-lg font-semibold text-slate-900">
          Your name
        </h2>
        <p className="mt-1 text-sm text-slate-600">Shown on OwlBank and next to your passkeys in your password manager.</p>
        <NameForm name={user.displayName} />
      </section>
      <section aria-labelledby="phone-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
        <h2 id="phone-heading" className="text-lg font-semibold text-slate-900">
          Phone number
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          You sign up with it, and we text it a code if you ever lose your passkeys. Currently{" "}
          <span className="font-semibold text-slate-900">{formatPhone(user.phoneNumber)}</span>.
        </p>
        <PhoneForm />
      </section>
    </div>
  );
}
