import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LocalTime } from "@/components/ui/local-time";
import { Logo } from "@/components/ui/logo";
import { config } from "@/lib/env";
import { recentOutboxMessages } from "@/lib/owlbank/local-outbox";
import { formatPhone } from "@/lib/owlbank/phone";

export const metadata: Metadata = { title: "Outbox (development) · OwlBank", robots: { index: false } };

/**
 * The local outbox: the text messages OwlBank would have sent, for development without an
 * SMS provider. It reveals codes for any number, so it does not exist in production unless
 * OWLBANK_DEV_OUTBOX=1 asks for it (never on a public deployment).
 */
export default async function OutboxPage() {
  const { owlbank } = config();
  if (!owlbank.devOutbox) notFound();
  const messages = owlbank.codeDelivery === "outbox" ? await recentOutboxMessages() : [];

  return (
    <div className="min-h-dvh bg-slate-50">
      <header className="mx-auto flex max-w-3xl items-center justify-between px-4 py-5 sm:px-6">
        <Logo />
        <span className="rounded-full bg-amber-100 px-3 py-1 text-xs font-semibold text-amber-900">Development only</span>
      </header>
      <main className="mx-auto max-w-3xl px-4 pb-12 sm:px-6">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Outbox</h1>
        <p className="mt-2 text-slate-600">
          {owlbank.codeDelivery === "outbox"
            ? "Text messages OwlBank sent while no SMS provider is configured, newest first. They disappear when their code expires."
            : "One-time codes are sent by SMS through Twilio Verify, so nothing is kept here."}
        </p>
        {messages.length === 0 ? (
          <p className="mt-6 rounded-2xl bg-white p-5 text-slate-600 ring-1 ring-slate-200">No messages.</p>
        ) : (
          <ul className="mt-6 divide-y divide-slate-200 overflow-hidden rounded-2xl bg-white ring-1 ring-slate-200" aria-label="Messages">
            {messages.map((m) => (
              <li key={m.id} className="px-5 py-4">
                <p className="text-sm text-slate-500">
                  To {formatPhone(m.phoneNumber)} · <LocalTime iso={new Date(m.createdAt).toISOString()} format="dateTime" />
                </p>
                <p className="mt-1 font-medium text-slate-900">{m.body}</p>
              </li>
            ))}
          </ul>
        )}
      </main>
    </div>
  );
}
