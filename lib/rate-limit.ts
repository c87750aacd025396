/**
 * Fixed-window rate limits counted in the database, so a limit holds in sum across every
 * instance that shares it: a count kept per process would multiply with the processes
 * (docs/deploy.md#several-instances). /v2 counts in `verify_rate_limits`, OwlBank in
 * `owlbank_rate_limits`; both tables have the same three columns.
 */
import "server-only";
import { createHmac, hkdfSync } from "node:crypto";
import { eq, getTableName, lte, sql } from "drizzle-orm";
import { rateLimitWindows } from "@/db/schema/owlbank";
import { verifyRateLimits } from "@/db/schema/verify";
import { db, prepared } from "@/lib/db";
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
  const name = getTableName(table);
  if ((sweptAt.get(name) ?? 0) > now - 60_000) return;
  sweptAt.set(name, now);
  const t = table as typeof rateLimitWindows;
  await db().delete(t).where(lte(t.windowStart, now - longestWindowMs));
}

type Table = typeof rateLimitWindows;

/**
 * The count-and-read upsert for each table, built once (drizzle would rebuild its SQL on every
 * hit, and the /v2 budget is hit on every request). Both tables have the same columns.
 */
const upserts = prepared((d) => {
  const build = (table: typeof rateLimitWindows | typeof verifyRateLimits) => {
    const t = table as Table;
    const finished = sql`${t.windowStart} <= ${sql.placeholder("finishedAtOrBefore")}`;
    return d
      .insert(t)
      .values({ key: sql`${sql.placeholder("key")}`, windowStart: sql`${sql.placeholder("now")}`, count: sql`${sql.placeholder("amount")}` })
      .onConflictDoUpdate({
        target: t.key,
        set: {
          windowStart: sql`CASE WHEN ${finished} THEN ${sql.placeholder("now")} ELSE ${t.windowStart} END`,
          count: sql`CASE WHEN ${finished} THEN ${sql.placeholder("amount")} ELSE ${t.count} + ${sql.placeholder("amount")} END`,
        },
      })
      .returning({ windowStart: t.windowStart, count: t.count })
      .prepare();
  };
  return new Map([verifyRateLimits, rateLimitWindows].map((table) => [getTableName(table), build(table)]));
});

/**
 * Adds `amount` hits for `key` and reads the count back, in one statement: a finished window
 * restarts at `now` with `amount`, a live one adds it. The upsert is atomic on both engines
 * (PostgreSQL re-evaluates it against the row a concurrent upsert just committed; SQLite
 * serialises writers), so instances sharing the database never lose a count, and no two
 * hits read the same one.
 */
async function count(store: WindowStore, key: string, windowMs: number, amount: number, now: number) {
  await sweep(store, now);
  const [row] = await upserts().get(getTableName(store.table))!.execute({ key, now, amount, finishedAtOrBefore: now - windowMs });
  return row;
}

const refusal = (windowStart: number, windowMs: number, now: number): Verdict => ({
  ok: false,
  retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
});

/** Counts one hit for `key` in the database: allowed while the window's count is within `limit`. */
export async function takeWindow(store: WindowStore, key: string, { limit, windowMs }: Window, now = Date.now()): Promise<Verdict> {
  const row = await count(store, key, windowMs, 1, now);
  return row.count <= limit ? { ok: true } : refusal(row.windowStart, windowMs, now);
}

/** Hits this process has counted in the database and not yet spent, per key, until the window ends. */
const held = new Map<string, { windowEnd: number; left: number }>();
/** The block being counted for a key: concurrent hits wait for it instead of each counting one. */
const counting = new Map<string, Promise<unknown>>();

/** 1% of the limit, between 1 and 100 hits. */
export const blockSize = (limit: number) => Math.max(1, Math.min(100, Math.floor(limit / 100)));

/**
 * `takeWindow` for a limit hit on every request (the /v2 account budget): hits are counted in
 * the database a block at a time (`blockSize`), and this process spends its block before it
 * counts again, so most hits write nothing. The database counts every hit any instance may
 * spend, so the instances together never allow more than `limit` in a window; each can hold
 * at most a block it does not use, so each may refuse up to 1% of the limit early. A refusal
 * is always the database's answer, as with `takeWindow`. With a limit under 200 a block is
 * one hit, and this is `takeWindow`.
 */
export async function takeFromBlock(store: WindowStore, key: string, { limit, windowMs }: Window, now = Date.now()): Promise<Verdict> {
  for (;;) {
    const mine = held.get(key);
    if (mine && now < mine.windowEnd && mine.left > 0) {
      mine.left -= 1;
      return { ok: true };
    }
    const pending = counting.get(key);
    if (pending) {
      await pending;
      continue;
    }
    const block = blockSize(limit);
    const next = count(store, key, windowMs, block, now).finally(() => counting.delete(key));
    counting.set(key, next);
    const row = await next;
    // What the window had counted before this block decides how much of it may be spent.
    const granted = Math.max(0, Math.min(block, limit - (row.count - block)));
    if (granted === 0) return refusal(row.windowStart, windowMs, now);
    held.set(key, { windowEnd: row.windowStart + windowMs, left: granted });
  }
}

/** Drops the count for `key`, as if nothing had been counted this window. */
export async function forgetWindow(store: WindowStore, key: string): Promise<void> {
  held.delete(key);
  const t = store.table as typeof rateLimitWindows;
  await db().delete(t).where(eq(t.key, key));
}

/** Forgets every count in `store` (tests only). */
export async function clearWindows(store: WindowStore): Promise<void> {
  sweptAt.clear();
  held.clear();
  const t = store.table as typeof rateLimitWindows;
  await db().delete(t).where(sql`1 = 1`);
}
