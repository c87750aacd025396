/**
 * OwlBank's rate limits on the doors a stranger can knock on: starting a sign-in or sign-up,
 * asking for a one-time code and trying one. Each is counted per client address, and the ones
 * naming a phone number per number too. Limits come from lib/env.ts.
 *
 * Every limit is counted in the database (owlbank_rate_limits, lib/rate-limit.ts), so it
 * holds in sum however many instances share it. That includes the per-minute limits on
 * starting a sign-in, which autofill does on every page view: a write per page view is the
 * price of a limit that two instances cannot double.
 */
import "server-only";
import { headers } from "next/headers";
import { rateLimitWindows } from "@/db/schema/owlbank";
import { clientAddress } from "@/lib/client-address";
import { config } from "@/lib/env";
import { clearWindows, forgetWindow, takeWindow, type Verdict, type Window, windowKey, type WindowStore } from "@/lib/rate-limit";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export type LimitRule =
  /** Passkey sign-ins started, per client address. */
  | "signIn"
  /** Sign-ups started, per client address. */
  | "signUp"
  /** Sign-ins and sign-ups started for one phone number. */
  | "phone"
  /** One-time codes sent to one phone number for one requester (browser), per hour. */
  | "codes"
  /** One-time codes sent to one phone number, whoever asked, per hour: above "codes", so strangers can't use up the customer's. */
  | "numberCodes"
  /** A code sent for one purpose, number and requester within the last minute: a repeat request is not texted again. */
  | "codeRepeat"
  /** Code requests and code checks, per client address. */
  | "recovery"
  /** Phone number changes started, per account: a signed-in customer could otherwise text any number. */
  | "phoneChange";

function limits(): Record<LimitRule, Window> {
  const l = config().owlbank.rateLimits;
  return {
    signIn: { limit: l.signInPerMinute, windowMs: MINUTE },
    signUp: { limit: l.signUpPerMinute, windowMs: MINUTE },
    phone: { limit: l.phonePerMinute, windowMs: MINUTE },
    codes: { limit: l.codesPerHour, windowMs: HOUR },
    numberCodes: { limit: l.codesPerNumberPerHour, windowMs: HOUR },
    codeRepeat: { limit: 1, windowMs: MINUTE },
    recovery: { limit: l.recoveryPerHour, windowMs: HOUR },
    phoneChange: { limit: l.phoneChangesPerHour, windowMs: HOUR },
  };
}

/** Every window is at most an hour long, so rows that started before that are finished. */
const store: WindowStore = { table: rateLimitWindows, longestWindowMs: HOUR };

/** Counts one attempt under `rule` for `key` (an address, an E.164 number, a requester…). */
export async function takeLimit(rule: LimitRule, key: string, now = Date.now()): Promise<Verdict> {
  return takeWindow(store, windowKey(rule, key), limits()[rule], now);
}

/** Drops the count of `rule` for `key`, as if nothing had been counted this window. */
export async function forgetLimit(rule: LimitRule, key: string): Promise<void> {
  await forgetWindow(store, windowKey(rule, key));
}

/** Counts one attempt under every rule given and reports the first one that is over. */
export async function takeLimits(checks: [LimitRule, string][], now = Date.now()): Promise<Verdict> {
  // Every rule counts the attempt, even after one refused it, so alternating between
  // numbers from one address (or addresses for one number) gains nothing.
  let refusal: Verdict = { ok: true };
  for (const [rule, key] of checks) {
    const verdict = await takeLimit(rule, key, now);
    if (refusal.ok && !verdict.ok) refusal = verdict;
  }
  return refusal;
}

/** Forgets every count (tests only). */
export async function resetLimits(): Promise<void> {
  await clearWindows(store);
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
