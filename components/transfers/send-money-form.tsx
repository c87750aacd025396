"use client";
/**
 * "Send money": the form drafts the transfer (the server issues a passkey challenge for it),
 * the review shows payee and amount, and only then does the passkey prompt appear. The
 * approval goes back with the draft's id; the server decides whether money moves.
 */
import { type PublicKeyCredentialRequestOptionsJSON, startAuthentication } from "@simplewebauthn/browser";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useState } from "react";
import { approveTransferAction, cancelTransferAction, draftTransfer, type TransferFields } from "@/app/(owlbank)/(signed-in)/transfer/actions";
import { ceremonyErrorMessage } from "@/components/passkeys/errors";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { CeremonyStatus } from "@/components/ui/notice";
import { reportFailures } from "@/components/ui/server-failure";
import { formatCents } from "@/lib/owlbank/money";
import type { TransferView } from "@/lib/owlbank/transfer-approval";

export type AccountOption = { id: string; name: string; last4: string; balanceCents: number };

type FormState = {
  errors?: Partial<Record<keyof TransferFields, string[]>>;
  message?: string;
  /** Echoed back because React resets uncontrolled forms after an action. */
  values?: TransferFields;
};

type Review = { transfer: TransferView; optionsJSON: PublicKeyCredentialRequestOptionsJSON };

type Outcome = { ok: boolean; message: string };

export function SendMoneyForm({ accounts }: { accounts: AccountOption[] }) {
  const router = useRouter();
  const [review, setReview] = useState<Review | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [values, setValues] = useState<TransferFields | undefined>();

  const [state, formAction, drafting] = useActionState(async (_prev: FormState, formData: FormData): Promise<FormState> => {
    const typed: TransferFields = {
      fromAccountId: String(formData.get("fromAccountId") ?? ""),
      payee: String(formData.get("payee") ?? ""),
      amount: String(formData.get("amount") ?? ""),
      memo: String(formData.get("memo") ?? ""),
    };
    setValues(typed);
    const started = await draftTransfer(formData);
    if (!started.ok) return { values: typed, errors: started.errors, message: started.message };
    setReview({ transfer: started.transfer, optionsJSON: started.optionsJSON });
    return { values: typed };
  }, {});

  function startOver() {
    setOutcome(null);
    setReview(null);
    setValues(undefined);
  }

  if (outcome) {
    return (
      <div className="space-y-4">
        {outcome.ok ? (
          <p role="status" className="rounded-xl border border-emerald-200 bg-emerald-50 px-4 py-3 font-medium text-emerald-800">
            {outcome.message}
          </p>
        ) : (
          <CeremonyStatus error={outcome.message} />
        )}
        <div className="flex flex-wrap gap-2">
          <Link href="/dashboard" className="inline-flex min-h-12 items-center rounded-xl bg-brand-700 px-5 font-semibold text-white hover:bg-brand-800">
            Back to accounts
          </Link>
          <Button variant="secondary" onClick={startOver}>
            {outcome.ok ? "Send more money" : "Start a new transfer"}
          </Button>
        </div>
      </div>
    );
  }

  if (review) {
    return (
      <ReviewAndApprove
        review={review}
        onDone={(result) => {
          setOutcome(result);
          router.refresh();
        }}
        onChange={() => {
          void cancelTransferAction(review.transfer.id);
          setReview(null);
        }}
      />
    );
  }

  const shown = state.values ?? values;
  return (
    <form action={formAction} noValidate className="space-y-5 rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
      <div>
        <label htmlFor="fromAccountId" className="block text-sm font-semibold text-slate-800">
          From
        </label>
        <select
          id="fromAccountId"
          name="fromAccountId"
          defaultValue={shown?.fromAccountId ?? accounts[0]?.id}
          aria-describedby="fromAccountId-error"
          aria-invalid={Boolean(state.errors?.fromAccountId?.length) || undefined}
          className="mt-1.5 block min-h-12 w-full rounded-xl border border-slate-300 bg-white px-3 text-base text-slate-900 focus:outline-2 focus:outline-offset-1 focus:outline-brand-600"
        >
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ••••{a.last4} · {formatCents(a.balanceCents)} available
            </option>
          ))}
        </select>
        <div id="fromAccountId-error" aria-live="polite">
          {state.errors?.fromAccountId?.map((e) => (
            <p key={e} className="mt-1.5 text-sm font-medium text-red-700">
              {e}
            </p>
          ))}
        </div>
      </div>
      <Field id="payee" name="payee" label="Pay to" placeholder="Alex Chen" autoComplete="off" maxLength={64} required defaultValue={shown?.payee} errors={state.errors?.payee} />
      <Field
        id="amount"
        name="amount"
        label="Amount (USD)"
        inputMode="decimal"
        placeholder="25.00"
        autoComplete="off"
        required
        defaultValue={shown?.amount}
        errors={state.errors?.amount}
      />
      <Field id="memo" name="memo" label="Memo (optional)" placeholder="Dinner" maxLength={140} autoComplete="off" defaultValue={shown?.memo} errors={state.errors?.memo} />
      <CeremonyStatus progress={drafting ? "Preparing your transfer…" : null} error={state.message} />
      <Button type="submit" className="w-full sm:w-auto" busy={drafting}>
        Review transfer
      </Button>
    </form>
  );
}

function ReviewAndApprove({ review, onDone, onChange }: { review: Review; onDone: (outcome: Outcome) => void; onChange: () => void }) {
  const [status, setStatus] = useState<{ progress?: string; error?: string }>({});
  const { transfer } = review;
  const busy = Boolean(status.progress);

  const approve = reportFailures(
    (error) => setStatus({ error }),
    async () => {
      setStatus({ progress: "Confirm with your passkey to send the money…" });
      let credential;
      try {
        credential = await startAuthentication({ optionsJSON: review.optionsJSON });
      } catch (error) {
        // Nothing reached the server: the draft can still be approved.
        return setStatus({ error: ceremonyErrorMessage(error, "approve") ?? undefined });
      }
      setStatus({ progress: "Sending…" });
      const result = await approveTransferAction(transfer.id, JSON.stringify(credential));
      setStatus({});
      onDone(result);
    },
    // The approval may or may not have arrived; approving again can never send twice.
    "We couldn't confirm your transfer. Check Recent activity on your dashboard before you approve again.",
  );

  return (
    <section aria-labelledby="review-heading" className="space-y-5 rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
      <h2 id="review-heading" className="text-lg font-semibold text-slate-900">
        Review and approve
      </h2>
      <dl className="divide-y divide-slate-200 rounded-xl border border-slate-200">
        <Row term="Amount">
          <span className="text-2xl font-bold tabular-nums text-slate-900">{formatCents(transfer.amountCents)}</span>
        </Row>
        <Row term="Pay to">{transfer.payee}</Row>
        <Row term="From">
          {transfer.fromAccountName} ••••{transfer.fromAccountLast4}
        </Row>
        {transfer.memo ? <Row term="Memo">{transfer.memo}</Row> : null}
      </dl>
      <p className="text-sm text-slate-600">Your passkey prompt will appear next. Approving it sends the money; it can&apos;t be undone.</p>
      <CeremonyStatus progress={status.progress} error={status.error} />
      <div className="flex flex-wrap gap-2">
        <Button onClick={approve} busy={busy}>
          Approve with passkey
        </Button>
        <Button variant="secondary" onClick={onChange} disabled={busy}>
          Change details
        </Button>
      </div>
    </section>
  );
}

function Row({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-4 px-4 py-3">
      <dt className="text-sm text-slate-500">{term}</dt>
      <dd className="text-right font-medium text-slate-900">{children}</dd>
    </div>
  );
}
