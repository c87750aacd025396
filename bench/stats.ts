/**
 * The figures the benchmark reports, computed from measurements: medians, an endpoint's
 * summary over its rounds, CPU per success, and how a target was met or missed. Shared by
 * bench/run.ts and bench/versus.ts.
 */
import type { Measurement } from "./api";

export type Summary = { median: number; min: number; max: number };

export type Endpoint = {
  name: string;
  rounds: Measurement[];
  rps: Summary;
  p50: number;
  p99: number;
  max: number;
  p99AllRequests: number;
  firstRequestMax: number;
  /**
   * CPU milliseconds per success over all rounds: `app` for the `next start` processes, `db`
   * for PostgreSQL's (absent on SQLite, which runs inside the app's process). Absent where
   * /proc could not be read.
   */
  cpu?: { app: number; db?: number };
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const summarise = (xs: number[]): Summary => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** CPU per success: the rounds' CPU over their successes, so short rounds weigh less. */
export function cpuPerSuccess(rounds: Measurement[]): Endpoint["cpu"] {
  if (!rounds.every((r) => r.cpuMs)) return undefined;
  const successes = sum(rounds.map((r) => r.successes));
  if (successes === 0) return undefined;
  const of = (group: string) => sum(rounds.map((r) => r.cpuMs?.[group] ?? 0)) / successes;
  return { app: of("app"), ...(rounds.every((r) => r.cpuMs && "db" in r.cpuMs) ? { db: of("db") } : {}) };
}

export function endpoint(name: string, rounds: Measurement[]): Endpoint {
  return {
    name,
    rounds,
    rps: summarise(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    p99AllRequests: median(rounds.map((r) => r.p99AllRequests)),
    firstRequestMax: Math.max(...rounds.map((r) => r.firstRequestMax)),
    cpu: cpuPerSuccess(rounds),
  };
}

/** One line of a targets table: what is measured, the figure as shown, the goal, whether it is met. */
export type Target = {
  what: string;
  /** The figure the goal is judged on; absent when it was not measured. */
  value?: number;
  measured: string;
  goal: string;
  ok: boolean;
  /** When missed: by how much, in the goal's own terms ("12% short", "3.1 KB over"). */
  missedBy?: string;
  /** Figures shown beside the judged one (PostgreSQL's, the old GET-floor ratio). */
  beside?: string;
};

type Comparison = ">=" | "<=" | "<";

/**
 * A target judged on `value` against `goal`. A miss says by how much: for a ratio or time, in
 * percent of the goal; `unit` adds the difference in the goal's own unit.
 */
export function judge(
  what: string,
  value: number | undefined,
  comparison: Comparison,
  goal: number,
  show: { measured?: string; unit?: string; digits?: number; beside?: string } = {},
): Target {
  const digits = show.digits ?? 2;
  const goalText = `${comparison} ${goal}${show.unit ? ` ${show.unit}` : ""}`;
  if (value === undefined || !Number.isFinite(value)) {
    return { what, measured: "not measured", goal: goalText, ok: false, missedBy: "not measured", beside: show.beside };
  }
  const measured = show.measured ?? `${value.toFixed(digits)}${show.unit ? ` ${show.unit}` : ""}`;
  const ok = comparison === ">=" ? value >= goal : comparison === "<=" ? value <= goal : value < goal;
  let missedBy: string | undefined;
  if (!ok) {
    const percent = (Math.abs(value - goal) / goal) * 100;
    const absolute = show.unit ? `${Math.abs(value - goal).toFixed(digits)} ${show.unit}, ` : "";
    missedBy = comparison === ">=" ? `${absolute}${percent.toFixed(0)}% short` : `${absolute}${percent.toFixed(0)}% over`;
  }
  return { what, value, measured, goal: goalText, ok, missedBy, beside: show.beside };
}

/** The Met cell: "yes", or "no: 12% short". */
export const metCell = (t: Target) => (t.ok ? "yes" : `no${t.missedBy ? `: ${t.missedBy}` : ""}`);
