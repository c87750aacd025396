import type { InputHTMLAttributes, Ref } from "react";

export type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  id: string;
  label: string;
  hint?: string;
  errors?: string[];
  ref?: Ref<HTMLInputElement>;
};

/** A labelled input whose hint and errors are announced with it (aria-describedby). */
export function Field({ id, label, hint, errors, className = "", ref, ...input }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const invalid = Boolean(errors?.length);
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-semibold text-slate-800">
        {label}
      </label>
      {hint ? (
        <p id={hintId} className="mt-0.5 text-sm text-slate-500">
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        ref={ref}
        {...input}
        aria-invalid={invalid || undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(" ")}
        className={`mt-1.5 block min-h-12 w-full rounded-xl border bg-white px-4 text-base text-slate-900 shadow-xs placeholder:text-slate-400 focus:outline-2 focus:outline-offset-1 focus:outline-brand-600 ${
          invalid ? "border-red-600" : "border-slate-300"
        }`}
      />
      <div id={errorId} aria-live="polite" aria-atomic="true">
        {errors?.map((e) => (
          <p key={e} className="mt-1.5 text-sm font-medium text-red-700">
            {e}
          </p>
        ))}
      </div>
    </div>
  );
}
