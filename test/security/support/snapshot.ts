/**
 * Before/after pictures of every Verify table (`verify_*`) of the in-process database, to
 * prove that a refused request wrote nothing. The only change a refusal may cause is Twilio's
 * lazy expiry: a `pending` challenge past its `expiration_date` becomes `expired`
 * (docs/api.md §7.4) when it is read.
 *
 * Rows are read through the application's own drizzle tables (db/schema/verify.ts), so the
 * pictures look the same on SQLite and PostgreSQL: binary columns become hex, JSON columns
 * their JSON text, and a changed value in any column of any row is a difference.
 */
import { getTableName, is, Table } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { expect } from "vitest";
import * as verify from "@/db/schema/verify";
import { db } from "@/lib/db";

export type Snapshot = Map<string, Map<string, Record<string, unknown>>>;

/**
 * Every Verify table, by its SQL name, but the rate-limit counters: every request is counted,
 * refused or not, and that count is the point of them (attacks.security.ts checks the limits).
 */
const TABLES: SQLiteTable[] = (Object.values(verify) as unknown[])
  .filter((value): value is SQLiteTable => is(value, Table) && value !== verify.verifyRateLimits)
  .sort((a, b) => getTableName(a).localeCompare(getTableName(b)));

/** One column value in a form both engines give alike and JSON can compare. */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString("hex")}`;
  if (value !== null && typeof value === "object") return `json:${JSON.stringify(value)}`;
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** Every row of every Verify table, keyed by table (SQL name) then primary key (`sid`). */
export async function snapshot(): Promise<Snapshot> {
  const result: Snapshot = new Map();
  for (const table of TABLES) {
    const rows = (await db().select().from(table)) as Record<string, unknown>[];
    const byKey = new Map<string, Record<string, unknown>>();
    for (const row of rows) {
      const normalised = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalise(v)]));
      byKey.set(typeof row.sid === "string" ? row.sid : JSON.stringify(normalised), normalised);
    }
    result.set(getTableName(table), byKey);
  }
  return result;
}

export type Change = { table: string; key: string; before?: Record<string, unknown>; after?: Record<string, unknown> };

export function diff(before: Snapshot, after: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(table) ?? new Map();
    const a = after.get(table) ?? new Map();
    for (const key of new Set([...b.keys(), ...a.keys()])) {
      const rb = b.get(key);
      const ra = a.get(key);
      if (JSON.stringify(rb) !== JSON.stringify(ra)) changes.push({ table, key, before: rb, after: ra });
    }
  }
  return changes;
}

/** True for exactly the lazy-expiry transition: status pending → expired, date updated moved, nothing else. */
export function isLazyExpiry(change: Change): boolean {
  if (change.table !== "verify_challenges" || !change.before || !change.after) return false;
  if (change.before.status !== "pending" || change.after.status !== "expired") return false;
  return Object.keys(change.before).every(
    (k) => k === "status" || k === "dateUpdated" || JSON.stringify(change.before![k]) === JSON.stringify(change.after![k]),
  );
}

/**
 * Asserts the database did not change between two snapshots, except for lazy expiry when
 * `allowExpiry` names the challenge SIDs allowed to expire (or is `true` for any).
 */
export function expectUnchanged(before: Snapshot, after: Snapshot, allowExpiry: boolean | string[] = false): void {
  const unexpected = diff(before, after).filter((c) => {
    if (!isLazyExpiry(c)) return true;
    if (allowExpiry === true) return false;
    return !(Array.isArray(allowExpiry) && allowExpiry.includes(c.key));
  });
  expect(unexpected, "the refused request changed the database").toEqual([]);
}
