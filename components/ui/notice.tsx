import { Spinner } from "./spinner";

/**
 * The live region a ceremony reports into: progress politely, failures as alerts. It is
 * always rendered (empty when idle) so screen readers notice when it changes.
 */
export function CeremonyStatus({ progress, error, success, id }: { progress?: string | null; error?: string | null; success?: string | null; id?: string }) {
  return (
    <div id={id} className="min-h-0 empty:hidden" aria-live="polite">
      {error ? (
        <p role="alert" className="flex gap-2 rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm font-medium text-red-800">
          <svg className="mt-0.5 size-4 shrink-0" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
            <path fillRule="evenodd" d="M18 10a8 8 0 1 1-16 0 8 8 0 0 1 16 0Zm-8-5a.75.75 0 0 1 .75.75v4.5a.75.75 0 0 1-1.5 0v-4.5A.75.75 0 0 1 10 5Zm0 10a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z" clipRule="evenodd" />
          </svg>
          <span>{error}</span>
        </p>
      ) : progress ? (
        <p role="status" className="flex items-center gap-2 rounded-xl bg-brand-50 px-4 py-3 text-sm font-medium text-brand-900">
          <Spinner />
          <span>{progress}</span>
        </p>
      ) : success ? (
        <p role="status" className="rounded-xl border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800">
          {success}
        </p>
      ) : null}
    </div>
  );
}
