import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "./logo";

/** The frame of the signed-out pages: a single calm card, full width on phones. */
export function AuthCard({ title, intro, children, footer }: { title: string; intro?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col bg-gradient-to-b from-brand-50 to-slate-50">
      <header className="mx-auto flex w-full max-w-5xl items-center justify-between px-4 py-5 sm:px-6">
        <Logo />
        <SecureBadge />
      </header>
      <main className="mx-auto w-full max-w-md flex-1 px-4 pb-12 sm:px-6">
        <div className="rounded-3xl bg-white p-6 shadow-sm ring-1 ring-slate-200 sm:p-8">
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
          {intro ? <div className="mt-2 text-slate-600">{intro}</div> : null}
          <div className="mt-6">{children}</div>
        </div>
        {footer ? <div className="mt-6 text-center text-sm text-slate-600">{footer}</div> : null}
      </main>
      <SiteFooter />
    </div>
  );
}

export function SecureBadge() {
  return (
    <span className="inline-flex items-center gap-1.5 rounded-full bg-white/70 px-3 py-1 text-xs font-medium text-brand-900 ring-1 ring-brand-100">
      <svg viewBox="0 0 20 20" className="size-3.5" fill="currentColor" aria-hidden="true">
        <path fillRule="evenodd" d="M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z" clipRule="evenodd" />
      </svg>
      No passwords, ever
    </span>
  );
}

export function SiteFooter() {
  return (
    <footer className="border-t border-slate-200 bg-white/60 py-6 text-center text-xs text-slate-500">
      <p>OwlBank is a demonstration bank. Balances are not real money.</p>
      <p className="mt-1">
        <Link href="/" className="underline-offset-2 hover:underline">
          Home
        </Link>
      </p>
    </footer>
  );
}
