import { beforeEach, describe, expect, it } from "vitest";
import { rateLimitWindows } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { forgetLimit, resetLimits, takeLimit, takeLimits, tooManyAttemptsMessage, wouldRefuse } from "./rate-limits";

beforeEach(() => resetLimits());

describe("takeLimits", () => {
  it("refuses once any rule is over, and reports when to come back", () => {
    const perNumber = config().owlbank.rateLimits.phonePerMinute;
    for (let i = 0; i < perNumber; i++) expect(takeLimits([["signUp", `203.0.113.${i}`], ["phone", "+14155550100"]], 0).ok).toBe(true);
    expect(takeLimits([["signUp", "203.0.113.200"], ["phone", "+14155550100"]], 1_000)).toEqual({ ok: false, retryAfterSeconds: 59 });
  });

  it("counts the attempt under every rule, even when one already refused it", () => {
    const perNumber = config().owlbank.rateLimits.phonePerMinute;
    for (let i = 0; i <= perNumber; i++) takeLimits([["phone", "+14155550101"], ["signUp", "198.51.100.1"]], 0);
    // The address was charged for the refused attempt too.
    const used = perNumber + 1;
    const left = config().owlbank.rateLimits.signUpPerMinute - used;
    for (let i = 0; i < left; i++) expect(takeLimit("signUp", "198.51.100.1", 0).ok).toBe(true);
    expect(takeLimit("signUp", "198.51.100.1", 0).ok).toBe(false);
  });

  it("keeps each rule's counts apart", () => {
    for (let i = 0; i < config().owlbank.rateLimits.codesPerHour; i++) takeLimit("codes", "+14155550102", 0);
    expect(takeLimit("codes", "+14155550102", 0).ok).toBe(false);
    expect(takeLimit("phone", "+14155550102", 0).ok).toBe(true);
  });
});

describe("the code limits' counts in the database", () => {
  const HOUR = 60 * 60_000;

  it("are what the limit reads, so a process that never saw the hits refuses too", () => {
    const perRequester = config().owlbank.rateLimits.codesPerHour;
    for (let i = 0; i < perRequester; i++) expect(takeLimit("codes", "+14155550103\nrequester", 0).ok).toBe(true);
    // What a second server process starts with: no counts of its own in memory.
    (globalThis as { owlbankLimiters?: unknown }).owlbankLimiters = undefined;
    expect(takeLimit("codes", "+14155550103\nrequester", 1_000)).toEqual({ ok: false, retryAfterSeconds: 3599 });
  });

  it("keep neither the number nor the address in the clear", () => {
    takeLimit("numberCodes", "+14155550104", 0);
    takeLimit("recovery", "203.0.113.7", 0);
    const keys = db().select().from(rateLimitWindows).all().map((row) => row.key);
    expect(keys).toHaveLength(2);
    expect(keys.join(" ")).not.toMatch(/4155550104|203\.0\.113\.7/);
  });

  it("start a new window once the old one is over", () => {
    const cap = config().owlbank.rateLimits.codesPerNumberPerHour;
    for (let i = 0; i <= cap; i++) takeLimit("numberCodes", "+14155550105", 0);
    expect(takeLimit("numberCodes", "+14155550105", HOUR - 1).ok).toBe(false);
    expect(takeLimit("numberCodes", "+14155550105", HOUR).ok).toBe(true);
  });

  it("can be looked at without counting, and forgotten", () => {
    expect(wouldRefuse("codeRepeat", "key", 0)).toBe(false);
    expect(wouldRefuse("codeRepeat", "key", 0)).toBe(false);
    takeLimit("codeRepeat", "key", 0);
    expect(wouldRefuse("codeRepeat", "key", 59_999)).toBe(true);
    expect(wouldRefuse("codeRepeat", "key", 60_000)).toBe(false);
    forgetLimit("codeRepeat", "key");
    expect(wouldRefuse("codeRepeat", "key", 1)).toBe(false);
  });
});

describe("tooManyAttemptsMessage", () => {
  it("gives a wait a person can act on", () => {
    expect(tooManyAttemptsMessage(20)).toBe("Too many attempts. For your security, please wait a minute and try again.");
    expect(tooManyAttemptsMessage(59 * 60 + 5)).toBe("Too many attempts. For your security, please wait 60 minutes and try again.");
  });
});
