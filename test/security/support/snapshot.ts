/**
 * Before/after pictures of every `verify_*` table, to prove that a refused request wrote
 * nothing. The only change a refusal may cause is Twilio's lazy expiry: a `pending`
 * challenge past its `expiration_date` becomes `expired` (docs/api.md §7.4) when it is read.
 */
import type Database from "better-sqlite3";
import { expect } from "vitest";

export type Snapshot = Map<string, Map<string, Record<string, unknown>>>;

function tables(sqlite: Database.Database): string[] {
  return (
    sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'verify\\_%' ESCAPE '\\' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
}

/** Every row of every verify_* table, keyed by table then primary key (`sid`, else rowid). */
export function snapshot(sqlite: Database.Database): Snapshot {
  const result: Snapshot = new Map();
  for (const table of tables(sqlite)) {
    const rows = sqlite.prepare(`SELECT rowid AS __rowid, * FROM "${table}"`).all() as Record<string, unknown>[];
    const byKey = new Map<string, Record<string, unknown>>();
    for (const row of rows) {
      const { __rowid, ...rest } = row;
      const normalised = Object.fromEntries(
        Object.entries(rest).map(([k, v]) => [k, Buffer.isBuffer(v) ? `hex:${v.toString("hex")}` : v]),
      );
      byKey.set(String(rest.sid ?? `rowid:${String(__rowid)}`), normalised);
    }
    result.set(table, byKey);
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

/** True for exactly the lazy-expiry transition: status pending → expired, date_updated moved, nothing else. */
export function isLazyExpiry(change: Change): boolean {
  if (change.table !== "verify_challenges" || !change.before || !change.after) return false;
  if (change.before.status !== "pending" || change.after.status !== "expired") return false;
  return Object.keys(change.before).every(
    (k) => k === "status" || k === "date_updated" || JSON.stringify(change.before![k]) === JSON.stringify(change.after![k]),
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
