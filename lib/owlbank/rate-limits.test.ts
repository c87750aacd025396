import { beforeEach, describe, expect, it } from "vitest";
import { rateLimitWindows } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { forgetLimit, resetLimits, takeLimit, takeLimits, tooManyAttemptsMessage } from "./rate-limits";

beforeEach(() => resetLimits());

describe("takeLimits", () => {
  it("refuses once any rule is over, and reports when to come back", async () => {
    const perNumber = config().owlbank.rateLimits.phonePerMinute;
    for (let i = 0; i < perNumber; i++) expect((await takeLimits([["signUp", `203.0.113.${i}`], ["phone", "+14155550100"]], 0)).ok).toBe(true);
    expect(await takeLimits([["signUp", "203.0.113.200"], ["phone", "+14155550100"]], 1_000)).toEqual({ ok: false, retryAfterSeconds: 59 });
  });

  it("counts the attempt under every rule, even when one already refused it", async () => {
    const perNumber = config().owlbank.rateLimits.phonePerMinute;
    for (let i = 0; i <= perNumber; i++) await takeLimits([["phone", "+14155550101"], ["signUp", "198.51.100.1"]], 0);
    // The address was charged for the refused attempt too.
    const used = perNumber + 1;
    const left = config().owlbank.rateLimits.signUpPerMinute - used;
    for (let i = 0; i < left; i++) expect((await takeLimit("signUp", "198.51.100.1", 0)).ok).toBe(true);
    expect((await takeLimit("signUp", "198.51.100.1", 0)).ok).toBe(false);
  });

  it("keeps each rule's counts apart", async () => {
    for (let i = 0; i < config().owlbank.rateLimits.codesPerHour; i++) await takeLimit("codes", "+14155550102", 0);
    expect((await takeLimit("codes", "+14155550102", 0)).ok).toBe(false);
    expect((await takeLimit("phone", "+14155550102", 0)).ok).toBe(true);
  });
});

describe("the limits' counts in the database", () => {
  const HOUR = 60 * 60_000;

  it("are what the limit reads, so a process that never saw the hits refuses too", async () => {
    const perRequester = config().owlbank.rateLimits.codesPerHour;
    for (let i = 0; i < perRequester; i++) expect((await takeLimit("codes", "+14155550103\nrequester", 0)).ok).toBe(true);
    expect(await takeLimit("codes", "+14155550103\nrequester", 1_000)).toEqual({ ok: false, retryAfterSeconds: 3599 });
  });

  it("hold the per-minute limits too: every sign-in started is a row another instance reads", async () => {
    const perAddress = config().owlbank.rateLimits.signInPerMinute;
    for (let i = 0; i < perAddress; i++) await takeLimit("signIn", "192.0.2.5", 0);
    const rows = await db().select().from(rateLimitWindows);
    expect(rows.map((r) => [r.key.split(":")[0], r.count])).toEqual([["signIn", perAddress]]);
    expect((await takeLimit("signIn", "192.0.2.5", 59_999)).ok).toBe(false);
    expect((await takeLimit("signIn", "192.0.2.5", 60_000)).ok).toBe(true);
  });

  it("keep neither the number nor the address in the clear", async () => {
    await takeLimit("numberCodes", "+14155550104", 0);
    await takeLimit("recovery", "203.0.113.7", 0);
    const keys = (await db().select().from(rateLimitWindows)).map((row) => row.key);
    expect(keys).toHaveLength(2);
    expect(keys.join(" ")).not.toMatch(/4155550104|203\.0\.113\.7/);
  });

  it("start a new window once the old one is over", async () => {
    const cap = config().owlbank.rateLimits.codesPerNumberPerHour;
    for (let i = 0; i <= cap; i++) await takeLimit("numberCodes", "+14155550105", 0);
    expect((await takeLimit("numberCodes", "+14155550105", HOUR - 1)).ok).toBe(false);
    expect((await takeLimit("numberCodes", "+14155550105", HOUR)).ok).toBe(true);
  });

  it("count hits that arrive at once one by one, so exactly the limit passes", async () => {
    const cap = config().owlbank.rateLimits.codesPerNumberPerHour;
    const verdicts = await Promise.all(Array.from({ length: cap + 3 }, () => takeLimit("numberCodes", "+14155550106", 0)));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(cap);
  });

  it("can be forgotten", async () => {
    await takeLimit("codeRepeat", "key", 0);
    expect((await takeLimit("codeRepeat", "key", 1)).ok).toBe(false);
    await forgetLimit("codeRepeat", "key");
    expect((await takeLimit("codeRepeat", "key", 2)).ok).toBe(true);
  });
});

describe("tooManyAttemptsMessage", () => {
  it("gives a wait a person can act on", () => {
    expect(tooManyAttemptsMessage(20)).toBe("Too many attempts. For your security, please wait a minute and try again.");
    expect(tooManyAttemptsMessage(59 * 60 + 5)).toBe("Too many attempts. For your security, please wait 60 minutes and try again.");
  });
});
