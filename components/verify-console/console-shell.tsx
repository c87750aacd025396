import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "@/components/ui/logo";

export type Crumb = { label: string; href?: string };

/**
 * The frame of every console page: the development badge, the account being browsed, and a
 * breadcrumb trail back up the Service → Entity → Factor/Challenge tree.
 */
export function ConsoleShell({ account, crumbs, children }: { account: string; crumbs: Crumb[]; children: ReactNode }) {
  return (
    <div className="min-h-dvh bg-slate-50">
      <header className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3 px-4 py-5 sm:px-6">
        <Logo />
        <div className="flex items-center gap-3">
          <span className="font-mono text-xs text-slate-500" title="Account SID">
            {account}
          </span>
          <span className="rounded-full bg-amber-100 px-3 py-1 text-xs font-semibold text-amber-900">Development only</span>
        </div>
      </header>
      <main className="mx-auto max-w-5xl space-y-8 px-4 pb-12 sm:px-6">
        <nav aria-label="Breadcrumb">
          <ol className="flex flex-wrap items-center gap-1 text-sm text-slate-500">
            {crumbs.map((crumb, i) => (
              <li key={i} className="flex items-center gap-1">
                {i > 0 && <span aria-hidden="true">/</span>}
                {crumb.href ? (
                  // Prefetching would read every linked page's data on each view; the console is
                  // for one developer clicking through, not for speed.
                  <Link href={crumb.href} prefetch={false} className="font-medium text-brand-700 hover:underline">
                    {crumb.label}
                  </Link>
                ) : (
                  <span aria-current="page" className="font-medium text-slate-900">
                    {crumb.label}
                  </span>
                )}
              </li>
            ))}
          </ol>
        </nav>
        {children}
      </main>
    </div>
  );
}
