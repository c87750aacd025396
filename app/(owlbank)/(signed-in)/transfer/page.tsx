import type { Metadata } from "next";
import { SendMoneyForm } from "@/components/transfers/send-money-form";
import { getAccounts } from "@/lib/owlbank/accounts";
import { requireUser } from "@/lib/owlbank/session";

export const metadata: Metadata = { title: "Send money · OwlBank" };

export default async function TransferPage() {
  await requireUser();
  const accounts = await getAccounts();
  return (
    <div className="max-w-xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">Send money</h1>
        <p className="mt-2 text-slate-600">You&apos;ll check the details and approve the transfer with your passkey before any money moves.</p>
      </div>
      <SendMoneyForm accounts={accounts.map((a) => ({ id: a.id, name: a.name, last4: a.last4, balanceCents: a.balanceCents }))} />
    </div>
  );
}
