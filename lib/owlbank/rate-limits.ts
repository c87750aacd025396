/**
 * OwlBank's rate limits on the doors a stranger can knock on: starting a sign-in or sign-up,
 * asking for a one-time code and trying one. Each is counted per client address, and the ones
 * naming a phone number per number too. Limits come from lib/env.ts; the limiters live on
 * globalThis so every route bundle in the process shares one count.
 */
import "server-only";
import { headers } from "next/headers";
import { config } from "@/lib/env";
import { clientAddress, RateLimiter, type Verdict } from "@/lib/rate-limit";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export type LimitRule =
  /** Passkey sign-ins started, per client address. */
  | "signIn"
  /** Sign-ups started, per client address. */
  | "signUp"
  /** Sign-ins and sign-ups started for one phone number. */
  | "phone"
  /** One-time codes sent to one phone number. */
  | "codes"
  /** Code requests and code checks, per client address. */
  | "recovery"
  /** Phone number changes started, per account: a signed-in customer could otherwise text any number. */
  | "phoneChange";

type Limiters = Record<LimitRule, RateLimiter>;

const globalForLimits = globalThis as unknown as { owlbankLimiters?: Limiters };

function limiters(): Limiters {
  if (!globalForLimits.owlbankLimiters) {
    const limits = config().owlbank.rateLimits;
    globalForLimits.owlbankLimiters = {
      signIn: new RateLimiter(limits.signInPerMinute, MINUTE),
      signUp: new RateLimiter(limits.signUpPerMinute, MINUTE),
      phone: new RateLimiter(limits.phonePerMinute, MINUTE),
      codes: new RateLimiter(limits.codesPerHour, HOUR),
      recovery: new RateLimiter(limits.recoveryPerHour, HOUR),
      phoneChange: new RateLimiter(limits.phoneChangesPerHour, HOUR),
    };
  }
  return globalForLimits.owlbankLimiters;
}

/** Counts one attempt under `rule` for `key` (an address or an E.164 number). */
export function takeLimit(rule: LimitRule, key: string, now = Date.now()): Verdict {
  return limiters()[rule].take(`${rule}:${key}`, now);
}

/** Counts one attempt under every rule given and reports the first one that is over. */
export function takeLimits(checks: [LimitRule, string][], now = Date.now()): Verdict {
  let refusal: Verdict = { ok: true };
  // Every rule counts the attempt, even after one refused it, so alternating between
  // numbers from one address (or addresses for one number) gains nothing.
  for (const [rule, key] of checks) {
    const verdict = takeLimit(rule, key, now);
    if (refusal.ok && !verdict.ok) refusal = verdict;
  }
  return refusal;
}

/** Forgets every count (tests only). */
export function resetLimits(): void {
  globalForLimits.owlbankLimiters = undefined;
}

/** The address of the client of the current request (server actions and pages only). */
export async function requestAddress(): Promise<string> {
  return clientAddress(await headers());
}

/** "Too many attempts…" with a wait a person can act on. */
export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  const wait = minutes <= 1 ? "a minute" : `${minutes} minutes`;
  return `Too many attempts. For your security, please wait ${wait} and try again.`;
}
