import type { ButtonHTMLAttributes } from "react";
import { Spinner } from "./spinner";

const VARIANTS = {
  primary: "bg-brand-700 text-white hover:bg-brand-800 focus-visible:outline-brand-700 disabled:bg-brand-700/60",
  secondary:
    "bg-white text-brand-900 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline-brand-700 disabled:text-slate-400",
  danger: "bg-red-700 text-white hover:bg-red-800 focus-visible:outline-red-700 disabled:bg-red-700/60",
  ghost: "text-brand-800 hover:bg-brand-50 focus-visible:outline-brand-700 disabled:text-slate-400",
} as const;

const SIZES = {
  md: "min-h-12 px-5 text-base",
  sm: "min-h-9 px-3 text-sm",
} as const;

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: keyof typeof VARIANTS;
  size?: keyof typeof SIZES;
  /** Shows a spinner and disables the button while work is in flight. */
  busy?: boolean;
};

export function Button({ variant = "primary", size = "md", busy = false, className = "", children, disabled, ...props }: ButtonProps) {
  return (
    <button
      type="button"
      {...props}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`inline-flex items-center justify-center gap-2 rounded-xl font-semibold transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed ${VARIANTS[variant]} ${SIZES[size]} ${className}`}
    >
      {busy ? <Spinner /> : null}
      {children}
    </button>
  );
}
