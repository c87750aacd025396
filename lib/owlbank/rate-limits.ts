/**
 * OwlBank's rate limits on the doors a stranger can knock on: starting a sign-in or sign-up,
 * asking for a one-time code and trying one. Each is counted per client address, and the ones
 * naming a phone number per number too. Limits come from lib/env.ts.
 *
 * The limits around one-time codes are counted in the database (owlbank_rate_limits), so they
 * hold however many server processes share it: an hour-long limit kept per process would
 * multiply with the processes. The per-minute limits on starting a sign-in or sign-up stay
 * in process memory (on globalThis, shared by every route bundle): autofill starts a sign-in
 * on every page view, and a write per page view is not worth a minute's precision.
 */
import "server-only";
import { headers } from "next/headers";
import { eq, lte, sql } from "drizzle-orm";
import { rateLimitWindows } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { clientAddress, RateLimiter, type Verdict } from "@/lib/rate-limit";
import { hmac } from "./keys";

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

type Limit = { limit: number; windowMs: number; store: "memory" | "database" };

function limits(): Record<LimitRule, Limit> {
  const l = config().owlbank.rateLimits;
  return {
    signIn: { limit: l.signInPerMinute, windowMs: MINUTE, store: "memory" },
    signUp: { limit: l.signUpPerMinute, windowMs: MINUTE, store: "memory" },
    phone: { limit: l.phonePerMinute, windowMs: MINUTE, store: "memory" },
    codes: { limit: l.codesPerHour, windowMs: HOUR, store: "database" },
    numberCodes: { limit: l.codesPerNumberPerHour, windowMs: HOUR, store: "database" },
    codeRepeat: { limit: 1, windowMs: MINUTE, store: "database" },
    recovery: { limit: l.recoveryPerHour, windowMs: HOUR, store: "database" },
    phoneChange: { limit: l.phoneChangesPerHour, windowMs: HOUR, store: "database" },
  };
}

/** Every window is at most this long, so rows that started before it are finished. */
const LONGEST_WINDOW_MS = HOUR;

const globalForLimits = globalThis as unknown as { owlbankLimiters?: Map<LimitRule, RateLimiter>; owlbankLimitsSweptAt?: number };

function memoryLimiter(rule: LimitRule, { limit, windowMs }: Limit): RateLimiter {
  globalForLimits.owlbankLimiters ??= new Map();
  let limiter = globalForLimits.owlbankLimiters.get(rule);
  if (!limiter) globalForLimits.owlbankLimiters.set(rule, (limiter = new RateLimiter(limit, windowMs)));
  return limiter;
}

/** The stored key: the rule and an HMAC of the address, number or requester, which are not kept in the clear. */
const storedKey = (rule: LimitRule, key: string) => `${rule}:${hmac("rate-limits", key)}`;

const verdictOf = (count: number, limit: number, resetAt: number, now: number): Verdict =>
  count <= limit ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) };

/** Finished windows are dropped at most once a minute per process. */
async function sweep(now: number): Promise<void> {
  if ((globalForLimits.owlbankLimitsSweptAt ?? 0) > now - MINUTE) return;
  globalForLimits.owlbankLimitsSweptAt = now;
  await db().delete(rateLimitWindows).where(lte(rateLimitWindows.windowStart, now - LONGEST_WINDOW_MS));
}

/**
 * One statement counts the hit and reads the count back: a finished window restarts at `now`
 * with 1, a live one adds 1. The upsert is atomic on both engines (PostgreSQL re-evaluates it
 * against the row a concurrent upsert just committed), so processes sharing the database
 * never lose a count, and no two hits read the same one.
 */
async function takeStored(rule: LimitRule, key: string, { limit, windowMs }: Limit, now: number): Promise<Verdict> {
  await sweep(now);
  const finished = sql`${rateLimitWindows.windowStart} <= ${now - windowMs}`;
  const [row] = await db()
    .insert(rateLimitWindows)
    .values({ key: storedKey(rule, key), windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: rateLimitWindows.key,
      set: {
        windowStart: sql`CASE WHEN ${finished} THEN ${now} ELSE ${rateLimitWindows.windowStart} END`,
        count: sql`CASE WHEN ${finished} THEN 1 ELSE ${rateLimitWindows.count} + 1 END`,
      },
    })
    .returning();
  return verdictOf(row.count, limit, row.windowStart + windowMs, now);
}

/** Counts one attempt under `rule` for `key` (an address, an E.164 number, a requester…). */
export async function takeLimit(rule: LimitRule, key: string, now = Date.now()): Promise<Verdict> {
  const limit = limits()[rule];
  return limit.store === "memory" ? memoryLimiter(rule, limit).take(`${rule}:${key}`, now) : takeStored(rule, key, limit, now);
}

/** Drops the count of `rule` for `key`, as if nothing had been counted this window. */
export async function forgetLimit(rule: LimitRule, key: string): Promise<void> {
  if (limits()[rule].store === "memory") throw new Error(`forgetLimit: "${rule}" is counted in memory`);
  await db().delete(rateLimitWindows).where(eq(rateLimitWindows.key, storedKey(rule, key)));
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
  globalForLimits.owlbankLimiters = undefined;
  globalForLimits.owlbankLimitsSweptAt = undefined;
  await db().delete(rateLimitWindows).where(sql`1 = 1`);
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
