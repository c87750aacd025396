/**
 * The /v2 budget counted a block at a time: never more than the limit in sum, however many
 * processes spend it, and no more refused than the blocks they hold.
 */
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { verifyRateLimits } from "@/db/schema/verify";
import { db } from "@/lib/db";
import { blockSize, clearWindows, takeFromBlock, takeWindow, type WindowStore } from "./rate-limit";

const store: WindowStore = { table: verifyRateLimits, longestWindowMs: 60_000 };
const MINUTE = 60_000;

/** The window's count as the database holds it. */
async function counted(key: string): Promise<number> {
  const rows = await db()
    .select({ count: verifyRateLimits.count })
    .from(verifyRateLimits)
    .where(sql`${verifyRateLimits.key} = ${key}`);
  return rows[0]?.count ?? 0;
}

/** Another instance: the same database, its own blocks (a fresh copy of the module). */
async function anotherInstance(): Promise<typeof import("./rate-limit")> {
  vi.resetModules();
  return import("./rate-limit");
}

async function spend(take: typeof takeFromBlock, key: string, limit: number, hits: number, now: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < hits; i++) if ((await take(store, key, { limit, windowMs: MINUTE }, now)).ok) allowed += 1;
  return allowed;
}

describe("takeFromBlock", () => {
  beforeEach(() => clearWindows(store));

  it("counts 1% of the limit at a time, between 1 and 100", () => {
    expect([blockSize(1), blockSize(199), blockSize(200), blockSize(1000), blockSize(60_000)]).toEqual([1, 1, 2, 10, 100]);
  });

  it("allows exactly the limit, writing once per block, then refuses with the window's remaining time", async () => {
    const now = 1_000_000;
    expect(await spend(takeFromBlock, "a", 1000, 1000, now)).toBe(1000);
    expect(await counted("a")).toBe(1000);
    const refused = await takeFromBlock(store, "a", { limit: 1000, windowMs: MINUTE }, now + 15_000);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 45 });
  });

  it("writes nothing while this process still holds hits of its block", async () => {
    await takeFromBlock(store, "b", { limit: 1000, windowMs: MINUTE }, 5_000);
    expect(await counted("b")).toBe(10);
    expect(await spend(takeFromBlock, "b", 1000, 9, 5_000)).toBe(9);
    expect(await counted("b")).toBe(10);
    await takeFromBlock(store, "b", { limit: 1000, windowMs: MINUTE }, 5_000);
    expect(await counted("b")).toBe(20);
  });

  it("never allows more than the limit in sum across instances, and refuses at most their unspent blocks early", async () => {
    const limit = 1000;
    const now = 2_000_000;
    const other = await anotherInstance();
    // This instance takes one hit and holds the other 9 of its block.
    expect((await takeFromBlock(store, "c", { limit, windowMs: MINUTE }, now)).ok).toBe(true);
    // The other spends everything the database still allows: the limit less this one's block.
    expect(await spend(other.takeFromBlock, "c", limit, 1500, now)).toBe(990);
    // This one spends what it holds, then is refused too.
    expect(await spend(takeFromBlock, "c", limit, 50, now)).toBe(9);
    expect(await other.takeFromBlock(store, "c", { limit, windowMs: MINUTE }, now)).toMatchObject({ ok: false });
  });

  it("a burst of concurrent hits counts one block at a time instead of one each", async () => {
    const verdicts = await Promise.all(Array.from({ length: 500 }, () => takeFromBlock(store, "d", { limit: 1000, windowMs: MINUTE }, 3_000_000)));
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(await counted("d")).toBe(500);
  });

  it("a window cleared in the database is a fresh window at once: refusals are never remembered", async () => {
    expect(await spend(takeFromBlock, "h", 5, 6, 7_000_000)).toBe(5);
    // As another process, or an operator, would clear it: behind this process's back.
    await db().delete(verifyRateLimits).where(sql`1 = 1`);
    expect((await takeFromBlock(store, "h", { limit: 5, windowMs: MINUTE }, 7_000_000)).ok).toBe(true);
  });

  it("starts over when the window ends; what a process held in the old window is dropped", async () => {
    await takeFromBlock(store, "e", { limit: 1000, windowMs: MINUTE }, 4_000_000);
    expect(await spend(takeFromBlock, "e", 1000, 1000, 4_000_000)).toBe(999);
    expect((await takeFromBlock(store, "e", { limit: 1000, windowMs: MINUTE }, 4_000_000 + MINUTE)).ok).toBe(true);
    expect(await counted("e")).toBe(10);
  });

  it("with a limit under 200 counts every hit, as takeWindow does", async () => {
    expect(await spend(takeFromBlock, "f", 5, 8, 6_000_000)).toBe(5);
    expect(await counted("f")).toBe(8);
    expect((await takeWindow(store, "g", { limit: 1, windowMs: MINUTE }, 6_000_000)).ok).toBe(true);
    expect((await takeWindow(store, "g", { limit: 1, windowMs: MINUTE }, 6_000_000)).ok).toBe(false);
  });
});
