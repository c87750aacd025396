/**
 * The figures the benchmark reports, computed from measurements: medians, an endpoint's
 * summary over its rounds, CPU per success.
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
