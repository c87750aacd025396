import { describe, expect, it } from "vitest";
import { oneAtATime, queuedKeys } from "./one-at-a-time";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("oneAtATime", () => {
  it("runs calls for one key one after another, in order", async () => {
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([oneAtATime("u1", job("a")), oneAtATime("u1", job("b")), oneAtATime("u1", job("c"))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(events).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });

  it("lets different keys run at the same time", async () => {
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
    };
    await Promise.all([oneAtATime("u1", job("a")), oneAtATime("u2", job("b"))]);
    expect(events.slice(0, 2).sort()).toEqual(["a start", "b start"]);
  });

  it("goes on after a call fails, and the failure reaches only its own caller", async () => {
    const failing = oneAtATime("u3", async () => {
      await tick();
      throw new Error("Verify unreachable");
    });
    const next = oneAtATime("u3", async () => "ran");
    await expect(failing).rejects.toThrow("Verify unreachable");
    await expect(next).resolves.toBe("ran");
  });

  it("forgets a key once its queue is empty", async () => {
    await oneAtATime("u4", async () => undefined);
    await tick();
    expect(queuedKeys()).toBe(0);
  });
});
