import Link from "next/link";

/** OwlBank's mark: an owl's face in a shield. */
export function Logo({ href = "/", inverted = false }: { href?: string; inverted?: boolean }) {
  return (
    <Link href={href} className={`inline-flex items-center gap-2 rounded-lg font-bold tracking-tight ${inverted ? "text-white" : "text-brand-900"}`}>
      <svg viewBox="0 0 32 32" className="size-8" aria-hidden="true">
        <path d="M16 2 4 6.5v8.3C4 22.6 9.1 28.3 16 30c6.9-1.7 12-7.4 12-15.2V6.5Z" className={inverted ? "fill-white/15" : "fill-brand-700"} />
        <circle cx="11.5" cy="14" r="4" fill="white" />
        <circle cx="20.5" cy="14" r="4" fill="white" />
        <circle cx="11.5" cy="14" r="1.8" className="fill-brand-950" />
        <circle cx="20.5" cy="14" r="1.8" className="fill-brand-950" />
        <path d="m14.5 18.5 1.5 2.5 1.5-2.5Z" className="fill-amber-400" />
        <path d="M8 9.5 11 11M24 9.5 21 11" stroke="white" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      <span className="text-xl">OwlBank</span>
    </Link>
  );
}
