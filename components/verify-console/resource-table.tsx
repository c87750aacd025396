import Link from "next/link";
import type { ReactNode } from "react";

/**
 * A list of resources, newest first, one page at a time. `nextHref` leads to the following
 * page; `firstHref` back to the start once the reader has paged on.
 */
export function ResourceTable({
  label,
  columns,
  rows,
  empty,
  nextHref,
  firstHref,
}: {
  label: string;
  columns: string[];
  rows: { key: string; cells: ReactNode[] }[];
  empty: string;
  nextHref?: string;
  firstHref?: string;
}) {
  return (
    <section className="space-y-3">
      <h2 className="text-lg font-semibold text-slate-900">{label}</h2>
      {rows.length === 0 ? (
        <p className="rounded-2xl bg-white p-5 text-slate-600 ring-1 ring-slate-200">{empty}</p>
      ) : (
        <div className="overflow-x-auto rounded-2xl bg-white ring-1 ring-slate-200">
          <table aria-label={label} className="min-w-full divide-y divide-slate-200 text-left text-sm">
            <thead className="bg-slate-50 text-xs font-semibold uppercase tracking-wider text-slate-500">
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col" className="px-4 py-3">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((row) => (
                <tr key={row.key}>
                  {row.cells.map((cell, i) => (
                    <td key={i} className="whitespace-nowrap px-4 py-3 text-slate-900">
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(nextHref || firstHref) && (
        <nav aria-label={`${label} pages`} className="flex gap-4 text-sm">
          {firstHref && (
            <Link href={firstHref} prefetch={false} className="font-medium text-brand-700 hover:underline">
              ← Newest
            </Link>
          )}
          {nextHref && (
            <Link href={nextHref} prefetch={false} className="font-medium text-brand-700 hover:underline">
              Older →
            </Link>
          )}
        </nav>
      )}
    </section>
  );
}

/** A link to a resource's page inside a table or field. */
export function ResourceLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link href={href} prefetch={false} className="font-medium text-brand-700 hover:underline">
      {children}
    </Link>
  );
}
