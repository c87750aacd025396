"use client";
/**
 * The customer's passkeys, each with rename and delete. Deleting the only passkey locks
 * the customer out, so it needs an explicit, server-checked confirmation; deleting any needs
 * a recent passkey approval, and afterwards the browser is told the credential is gone.
 */
import { useActionState, useState } from "react";
import { deletePasskey, type FormState, renamePasskey } from "@/app/(owlbank)/(signed-in)/settings/security/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { LocalTime } from "@/components/ui/local-time";
import { CeremonyStatus } from "@/components/ui/notice";
import { signalUnknownCredential } from "./signals";
import { withStepUp } from "./step-up";

export type PasskeyRow = {
  sid: string;
  name: string;
  provider: string | null;
  storage: "synced" | "syncable" | "device" | null;
  createdAt: string;
  lastUsedAt: string | null;
};

const STORAGE_TEXT = {
  synced: "Synced across your devices",
  syncable: "Not backed up yet",
  device: "Only on this device",
} as const;

export function PasskeyList({ passkeys }: { passkeys: PasskeyRow[] }) {
  if (passkeys.length === 0) {
    return (
      <p role="status" className="rounded-2xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
        You have no passkeys. Add one now, or you won&apos;t be able to sign in again after you sign out.
      </p>
    );
  }
  return (
    <ul className="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" aria-label="Your passkeys">
      {passkeys.map((p) => (
        <PasskeyItem key={p.sid} passkey={p} isLast={passkeys.length === 1} />
      ))}
    </ul>
  );
}

function PasskeyItem({ passkey, isLast }: { passkey: PasskeyRow; isLast: boolean }) {
  const [mode, setMode] = useState<"view" | "rename" | "delete">("view");
  const [renameState, renameAction, renaming] = useActionState(async (prev: FormState, formData: FormData) => {
    const result = await renamePasskey(prev, formData);
    if (result.ok) setMode("view");
    return result;
  }, {});
  const [progress, setProgress] = useState<string | null>(null);
  const [deleteState, deleteAction, deleting] = useActionState(async (prev: FormState, formData: FormData): Promise<FormState> => {
    const result = await withStepUp(() => deletePasskey(prev, formData), setProgress);
    setProgress(null);
    // The passkey manager may keep offering a deleted passkey; tell it this one is gone.
    if (result.ok && "unknownCredential" in result) await signalUnknownCredential(result.unknownCredential);
    return result;
  }, {});
  const headingId = `passkey-${passkey.sid}`;
  // This page may be older than the list: the server says when this has become the only one.
  const last = isLast || deleteState.confirmLast === true;

  return (
    <li className="p-4 sm:p-5" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 gap-3">
          <KeyIcon />
          <div className="min-w-0">
            <h3 id={headingId} className="truncate font-semibold text-slate-900">
              {passkey.name}
            </h3>
            <p className="text-sm text-slate-600">
              {passkey.provider ?? "Passkey provider not disclosed"}
              {passkey.storage ? <> · {STORAGE_TEXT[passkey.storage]}</> : null}
            </p>
            <p className="text-sm text-slate-500">
              Created <LocalTime iso={passkey.createdAt} />
              {" · "}
              {passkey.lastUsedAt ? (
                <>
                  Last used <LocalTime iso={passkey.lastUsedAt} format="dateTime" />
                </>
              ) : (
                "Not used to sign in yet"
              )}
            </p>
          </div>
        </div>
        {mode === "view" ? (
          <div className="flex gap-1">
            <Button variant="ghost" size="sm" aria-label={`Rename ${passkey.name}`} onClick={() => setMode("rename")}>
              Rename
            </Button>
            <Button variant="ghost" size="sm" className="text-red-700 hover:bg-red-50" aria-label={`Delete ${passkey.name}`} onClick={() => setMode("delete")}>
              Delete
            </Button>
          </div>
        ) : null}
      </div>

      {mode === "rename" ? (
        <form action={renameAction} className="mt-4 space-y-3" noValidate>
          <input type="hidden" name="factorSid" value={passkey.sid} />
          <Field id={`rename-${passkey.sid}`} name="name" label="Passkey name" defaultValue={passkey.name} maxLength={64} required errors={renameState.errors?.name} autoFocus />
          <div className="flex gap-2">
            <Button type="submit" size="sm" busy={renaming}>
              Save
            </Button>
            <Button size="sm" variant="secondary" onClick={() => setMode("view")}>
              Cancel
            </Button>
          </div>
        </form>
      ) : null}
      {mode !== "rename" ? <CeremonyStatus success={renameState.ok ? renameState.message : null} error={renameState.ok === false ? renameState.message : null} /> : null}

      {mode === "delete" ? (
        <form action={deleteAction} className={`mt-4 space-y-3 rounded-xl border p-4 ${last ? "border-red-300 bg-red-50" : "border-slate-200 bg-slate-50"}`}>
          <input type="hidden" name="factorSid" value={passkey.sid} />
          <p className="text-sm font-semibold text-slate-900">Delete “{passkey.name}”?</p>
          {last ? (
            <>
              <p className="text-sm text-red-800">
                This is your only passkey. Without it you won&apos;t be able to sign in to OwlBank. Add another passkey first if you can.
              </p>
              <label className="flex items-start gap-2 text-sm text-red-900">
                <input type="checkbox" name="confirmLast" value="yes" required className="mt-0.5 size-4 accent-red-700" />
                I understand I will not be able to sign in without a passkey
              </label>
            </>
          ) : (
            <p className="text-sm text-slate-600">You won&apos;t be able to sign in with it any more. It stays in your password manager until you remove it there.</p>
          )}
          <CeremonyStatus progress={deleting ? progress : null} error={deleteState.ok === false ? deleteState.message : null} />
          <div className="flex gap-2">
            <Button type="submit" size="sm" variant="danger" busy={deleting}>
              Delete passkey
            </Button>
            <Button size="sm" variant="secondary" onClick={() => setMode("view")}>
              Keep it
            </Button>
          </div>
        </form>
      ) : null}
    </li>
  );
}

function KeyIcon() {
  return (
    <span className="mt-0.5 flex size-10 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-700" aria-hidden="true">
      <svg viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
        <circle cx="8" cy="15" r="4" />
        <path d="m10.85 12.15 8.65-8.65M18 5l2 2M15 8l2 2" />
      </svg>
    </span>
  );
}
