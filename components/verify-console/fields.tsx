import type { ReactNode } from "react";

/**
 * A resource's properties as label/value rows, like the detail pane of Twilio's console.
 * `label` names the section for assistive technology; `titled` also shows it, for a page
 * with several groups.
 */
export function Fields({ label, items, titled = false }: { label: string; items: [string, ReactNode][]; titled?: boolean }) {
  return (
    <section aria-label={label} className="space-y-3">
      {titled && <h2 className="text-lg font-semibold text-slate-900">{label}</h2>}
      <dl className="divide-y divide-slate-100 overflow-hidden rounded-2xl bg-white ring-1 ring-slate-200">
        {items.map(([name, value]) => (
          <div key={name} className="grid gap-1 px-5 py-3 sm:grid-cols-3 sm:gap-4">
            <dt className="text-sm font-medium text-slate-500">{name}</dt>
            <dd className="break-all text-sm text-slate-900 sm:col-span-2">{value ?? <span className="text-slate-400">—</span>}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** A SID or other identifier, set in monospace so look-alike characters stay apart. */
export function Mono({ children }: { children: ReactNode }) {
  return <span className="font-mono text-[0.8125rem]">{children}</span>;
}

/** A date as Twilio's API gives it (UTC, to the second), readable and identical on server and client. */
export function ConsoleDate({ ms }: { ms: number | null }) {
  if (ms === null) return <span className="text-slate-400">—</span>;
  const iso = new Date(ms).toISOString();
  return <time dateTime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`}</time>;
}

/** Yes/No for a stored boolean; a dash when it was never recorded (an unverified factor). */
export function YesNo({ value }: { value: boolean | null }) {
  return value === null ? null : value ? "Yes" : "No";
}
