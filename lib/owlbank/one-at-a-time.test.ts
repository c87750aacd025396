import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { leases } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { LEASE_MS, LeaseBusyError, oneAtATime } from "./one-at-a-time";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("oneAtATime", () => {
  it("never runs two calls for one key at the same time", async () => {
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all(["a", "b", "c", "d"].map((name) => oneAtATime("u1", job(name))));
    expect(results).toEqual(["a", "b", "c", "d"]);
    // Whatever the order, every start is followed by its own end.
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i].replace("start", "end"));
  });

  it("lets different keys run at the same time", async () => {
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
    };
    await Promise.all([oneAtATime("u2", job("a")), oneAtATime("u3", job("b"))]);
    expect(events.slice(0, 2).sort()).toEqual(["a start", "b start"]);
  });

  it("goes on after a call fails, and the failure reaches only its own caller", async () => {
    const failing = oneAtATime("u4", async () => {
      await tick();
      throw new Error("Verify unreachable");
    });
    const next = oneAtATime("u4", async () => "ran");
    await expect(failing).rejects.toThrow("Verify unreachable");
    await expect(next).resolves.toBe("ran");
    expect(await db().select().from(leases)).toEqual([]);
  });

  it("gives up with LeaseBusyError while another holder's lease is live, and takes over an expired one", async () => {
    // Another instance holds the lease (a row is all it takes: the lease lives in the database).
    await db().insert(leases).values({ key: "u5", holder: "other-instance", expiresAt: Date.now() + LEASE_MS });
    await expect(oneAtATime("u5", async () => "ran", { waitMs: 100 })).rejects.toBeInstanceOf(LeaseBusyError);
    // That instance was killed holding it: once expired, the lease is free again.
    await db().update(leases).set({ expiresAt: Date.now() - 1 }).where(eq(leases.key, "u5"));
    await expect(oneAtATime("u5", async () => "ran", { waitMs: 100 })).resolves.toBe("ran");
    expect(await db().select().from(leases)).toEqual([]);
  });
});
