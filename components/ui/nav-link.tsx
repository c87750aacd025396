"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** A main-navigation link that tells assistive technology which page is current. */
export function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const current = usePathname() === href;
  return (
    <Link
      href={href}
      aria-current={current ? "page" : undefined}
      className={`rounded-lg px-3 py-2 text-sm font-medium hover:bg-white/10 hover:text-white ${current ? "bg-white/10 text-white" : "text-brand-100"}`}
    >
      {children}
    </Link>
  );
}
