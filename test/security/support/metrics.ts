/**
 * Counters for the closing table of `npm run test:security`. Each test file appends JSON
 * lines to `$SECURITY_METRICS_FILE` (set by scripts/security.mjs); run on its own, a file
 * records nothing. Appends of one short line are atomic, so parallel files can share it.
 */
import fs from "node:fs";

export type Metric =
  | { kind: "fuzz"; requests: number; failures: number; seed: number; transport: "in-process" | "http" }
  | { kind: "attack"; name: string; phase: "tried" | "refused" }
  | { kind: "known-bug"; name: string }
  /** `expected` winners: 1 for "exactly one wins", `contenders` for "all succeed", 0 for a counter race (winners = 1 when monotonic). */
  | { kind: "race"; name: string; winners: number; contenders: number; expected: number }
  /** One crash round: the application server killed, or (PostgreSQL only) its database server. */
  | {
      kind: "crash";
      killed: "server" | "postgres";
      engine: "sqlite" | "postgres";
      round: number;
      acknowledged: number;
      lost: number;
      integrity: string;
      inFlight: number;
    }
  /**
   * While PostgreSQL was down in a database-crash round: `answers` /v2 answers seen, `bad` of
   * them not a clean 503/20503 within 10 s, the slowest, and how long after PostgreSQL's
   * restart the application served again (-1: it did not).
   */
  | { kind: "outage"; round: number; answers: number; bad: number; slowestMs: number; recoveredMs: number }
  /**
   * One check that a finding of the session and recovery review (issue #12) stays fixed:
   * `finding` is its number in that review (1 step-up per session, 2 revocable sessions,
   * 3 codes strangers cannot spoil, 4 credentials as configured, 5 user verification,
   * 6 no live codes at rest). Playwright's e2e/security specs count through their titles.
   */
  | { kind: "finding"; finding: number; name: string; held: boolean };

export function record(metric: Metric): void {
  const file = process.env.SECURITY_METRICS_FILE;
  if (!file) return;
  fs.appendFileSync(file, `${JSON.stringify(metric)}\n`);
}
