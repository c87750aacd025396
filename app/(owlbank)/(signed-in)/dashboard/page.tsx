import type { Metadata } from "next";
import Link from "next/link";
import { PasskeyHereOffer } from "@/components/passkeys/passkey-here-offer";
import { getAccounts, getRecentActivity } from "@/lib/owlbank/accounts";
import { formatCents } from "@/lib/owlbank/money";
import { requireUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Accounts · OwlBank" };

const day = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric" });

export default async function DashboardPage() {
  const user = await requireUser();
  const [accounts, activity] = await Promise.all([getAccounts(), getRecentActivity(8)]);
  const total = accounts.reduce((sum, a) => sum + a.balanceCents, 0);
  const firstName = user.displayName.split(/\s+/)[0];

  return (
    <div className="space-y-8">
      <section aria-labelledby="welcome">
        <h1 id="welcome" className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">
          Welcome back, {firstName}
        </h1>
        <p className="mt-1 text-slate-600">
          Total balance <span className="font-semibold tabular-nums text-slate-900">{formatCents(total)}</span>
        </p>
        <Link
          href="/transfer"
          className="mt-4 inline-flex min-h-11 items-center justify-center rounded-xl bg-brand-700 px-5 font-semibold text-white hover:bg-brand-800"
        >
          Send money
        </Link>
      </section>

      <PasskeyHereOffer />

      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading" className="text-lg font-semibold text-slate-900">
          Your accounts
        </h2>
        <ul className="mt-3 grid gap-4 sm:grid-cols-2">
          {accounts.map((a) => (
            <li key={a.id} className="rounded-2xl bg-white p-5 shadow-xs ring-1 ring-slate-200">
              <p className="font-medium text-slate-700">{a.name}</p>
              <p className="text-sm text-slate-500">
                <span className="sr-only">Account ending in </span>
                <span aria-hidden="true">•••• </span>
                {a.last4}
              </p>
              <p className="mt-4 text-3xl font-bold tabular-nums tracking-tight text-slate-900">{formatCents(a.balanceCents)}</p>
              <p className="text-xs text-slate-500">Available balance</p>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading" className="text-lg font-semibold text-slate-900">
          Recent activity
        </h2>
        {activity.length === 0 ? (
          <p className="mt-3 text-slate-600">No transactions yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 overflow-hidden rounded-2xl bg-white ring-1 ring-slate-200">
            {activity.map((t) => (
              <li key={t.id} className="flex items-center justify-between gap-4 px-5 py-3.5">
                <div className="min-w-0">
                  <p className="truncate font-medium text-slate-900">{t.description}</p>
                  <p className="text-sm text-slate-500">
                    <time dateTime={new Date(t.createdAt).toISOString()}>{day.format(t.createdAt)}</time> · {t.accountName}
                  </p>
                </div>
                <p className={`shrink-0 font-semibold tabular-nums ${t.amountCents >= 0 ? "text-emerald-700" : "text-slate-900"}`}>
                  {t.amountCents >= 0 ? "+" : "−"}
                  {formatCents(Math.abs(t.amountCents))}
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="rounded-2xl bg-brand-50 p-5 ring-1 ring-brand-100">
        <h2 className="font-semibold text-brand-950">Keep your account safe</h2>
        <p className="mt-1 text-sm text-brand-900">Add a passkey on a second device so you can always get in.</p>
        <Link href="/settings/security" className="mt-3 inline-block text-sm font-semibold text-brand-800 underline underline-offset-2">
          Manage passkeys
        </Link>
      </section>
    </div>
  );
}
