const TONES: Record<string, string> = {
  verified: "bg-emerald-100 text-emerald-900",
  approved: "bg-emerald-100 text-emerald-900",
  pending: "bg-amber-100 text-amber-900",
  unverified: "bg-amber-100 text-amber-900",
  denied: "bg-red-100 text-red-900",
  expired: "bg-slate-200 text-slate-700",
};

/** A factor or challenge status in Twilio's words (`verified`, `pending`, `expired`…). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${TONES[status] ?? "bg-slate-100 text-slate-700"}`}>{status}</span>;
}
