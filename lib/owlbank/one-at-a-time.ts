/**
 * Runs work for the same key one call at a time, across every instance on the database.
 *
 * Verify has no transaction that spans "list the passkeys, then delete one", so two deletions
 * sent together (two tabs, or two instances behind a load balancer) could each see two
 * passkeys and leave none. A lease row in `owlbank_leases` closes that window: whoever inserts
 * it (or takes it over once expired) runs; the others poll until it is released. A database
 * transaction could not be held instead: the work calls the Verify API, which on the
 * embedded backend needs the database itself (on SQLite, the same write lock).
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, lte } from "drizzle-orm";
import { leases } from "@/db/schema/owlbank";
import { db } from "@/lib/db";

/**
 * How long a lease lasts if its holder never releases it (killed mid-way). Longer than the
 * work it guards: two Verify calls, each bounded by the HTTP client's timeout.
 */
export const LEASE_MS = 30_000;

/** How long a caller waits for the lease before giving up. */
const WAIT_MS = 10_000;

/** Thrown when the lease stayed taken for WAIT_MS: another change is still running. */
export class LeaseBusyError extends Error {
  override name = "LeaseBusyError";
}

/** Takes the lease for `key` if it is free or expired; true when this `holder` now has it. */
async function take(key: string, holder: string, now: number): Promise<boolean> {
  const [row] = await db()
    .insert(leases)
    .values({ key, holder, expiresAt: now + LEASE_MS })
    .onConflictDoUpdate({ target: leases.key, set: { holder, expiresAt: now + LEASE_MS }, setWhere: lte(leases.expiresAt, now) })
    .returning({ holder: leases.holder });
  return row?.holder === holder;
}

export async function oneAtATime<T>(key: string, work: () => Promise<T>, { waitMs = WAIT_MS } = {}): Promise<T> {
  const holder = randomUUID();
  const deadline = Date.now() + waitMs;
  for (let pause = 5; !(await take(key, holder, Date.now())); pause = Math.min(pause * 2, 100)) {
    if (Date.now() >= deadline) throw new LeaseBusyError(`"${key}" is still held by another call after ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  try {
    return await work();
  } finally {
    // Only our own lease: if ours expired and someone took it over, theirs stays.
    await db().delete(leases).where(and(eq(leases.key, key), eq(leases.holder, holder)));
  }
}
