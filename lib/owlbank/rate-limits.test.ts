import { beforeEach, describe, expect, it } from "vitest";
import { config } from "@/lib/env";
import { resetLimits, takeLimit, takeLimits, tooManyAttemptsMessage } from "./rate-limits";

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

describe("tooManyAttemptsMessage", () => {
  it("gives a wait a person can act on", () => {
    expect(tooManyAttemptsMessage(20)).toBe("Too many attempts. For your security, please wait a minute and try again.");
    expect(tooManyAttemptsMessage(59 * 60 + 5)).toBe("Too many attempts. For your security, please wait 60 minutes and try again.");
  });
});
