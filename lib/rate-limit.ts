/**
 * Fixed-window rate limits counted in the database, so a limit holds in sum across every
 * instance that shares it: a count kept per process would multiply with the processes
 * (docs/deploy.md#several-instances). /v2 counts in `verify_rate_limits`, OwlBank in
 * `owlbank_rate_limits`; both tables have the same three columns.
 */
import "server-only";
import { createHmac, hkdfSync } from "node:crypto";
import { eq, lte, sql } from "drizzle-orm";
import { rateLimitWindows } from "@/db/schema/owlbank";
import { verifyRateLimits } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { config } from "@/lib/env";

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export type Window = { limit: number; windowMs: number };

/** Where a family of limits is counted, and its longest window (rows older than that are finished). */
export type WindowStore = { table: typeof rateLimitWindows | typeof verifyRateLimits; longestWindowMs: number };

// Derived from the server secret once per process: every instance has the same secret, so
// every instance derives the same key and counts a client under the same row.
let keyOfKeys: Buffer | undefined;

/**
 * The stored key for `key` (an address, a phone number, an account) under `scope`: an HMAC,
 * so the tables hold no address or number in the clear.
 */
export function windowKey(scope: string, key: string): string {
  keyOfKeys ??= Buffer.from(hkdfSync("sha256", config().authSecret, "rate-limits", "rate limit keys v1", 32));
  return `${scope}:${createHmac("sha256", keyOfKeys).update(key, "utf8").digest("hex")}`;
}

// When this process last swept each table. Only spaces the sweeps out: a row a sweep has not
// reached yet is a finished window, which the upsert below restarts anyway.
const sweptAt = new Map<string, number>();

/** Drops finished windows, at most once a minute per table and process. */
async function sweep({ table, longestWindowMs }: WindowStore, now: number): Promise<void> {
  const name = table === verifyRateLimits ? "verify" : "owlbank";
  if ((sweptAt.get(name) ?? 0) > now - 60_000) return;
  sweptAt.set(name, now);
  const t = table as typeof rateLimitWindows;
  await db().delete(t).where(lte(t.windowStart, now - longestWindowMs));
}

/**
 * Counts one hit for `key` and reads the count back, in one statement: a finished window
 * restarts at `now` with 1, a live one adds 1. The upsert is atomic on both engines
 * (PostgreSQL re-evaluates it against the row a concurrent upsert just committed; SQLite
 * serialises writers), so instances sharing the database never lose a count, and no two
 * hits read the same one.
 */
export async function takeWindow(store: WindowStore, key: string, { limit, windowMs }: Window, now = Date.now()): Promise<Verdict> {
  await sweep(store, now);
  // Both tables have the same columns; drizzle builds the same statement from either.
  const t = store.table as typeof rateLimitWindows;
  const finished = sql`${t.windowStart} <= ${now - windowMs}`;
  const [row] = await db()
    .insert(t)
    .values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: t.key,
      set: {
        windowStart: sql`CASE WHEN ${finished} THEN ${now} ELSE ${t.windowStart} END`,
        count: sql`CASE WHEN ${finished} THEN 1 ELSE ${t.count} + 1 END`,
      },
    })
    .returning({ windowStart: t.windowStart, count: t.count });
  return row.count <= limit ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((row.windowStart + windowMs - now) / 1000)) };
}

/** Drops the count for `key`, as if nothing had been counted this window. */
export async function forgetWindow(store: WindowStore, key: string): Promise<void> {
  const t = store.table as typeof rateLimitWindows;
  await db().delete(t).where(eq(t.key, key));
}

/** Forgets every count in `store` (tests only). */
export async function clearWindows(store: WindowStore): Promise<void> {
  sweptAt.clear();
  const t = store.table as typeof rateLimitWindows;
  await db().delete(t).where(sql`1 = 1`);
}
