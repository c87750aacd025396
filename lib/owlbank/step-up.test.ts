import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { consumeStepUpChallenge, hasFreshPasskey, recordPasskeyUse, saveStepUpChallenge } from "./step-up";
import { completeSignup, findUserById, savePendingSignup } from "./users";

let n = 0;
function customer(now = Date.now()) {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "b")}`;
  savePendingSignup({ factorSid, phoneNumber: `+1650555${String(n).padStart(4, "0")}`, displayName: `Stepper ${n}`, verifyIdentity: identity }, now);
  const result = completeSignup(factorSid, identity, now);
  if (!result.ok) throw new Error(result.reason);
  return result.user;
}

describe("hasFreshPasskey", () => {
  it("counts the passkey made at sign-up, for the configured number of minutes", () => {
    const maxAge = config().owlbank.stepUpMaxAgeMs;
    const user = customer(1_000_000);
    expect(hasFreshPasskey(user, 1_000_000 + maxAge - 1)).toBe(true);
    expect(hasFreshPasskey(user, 1_000_000 + maxAge)).toBe(false);
  });

  it("is never fresh without any passkey approval", () => {
    expect(hasFreshPasskey({ lastPasskeyAt: null })).toBe(false);
  });
});

describe("recordPasskeyUse", () => {
  it("moves the last approval forward, never back", () => {
    const user = customer(5_000);
    recordPasskeyUse(user.id, 9_000);
    expect(findUserById(user.id)?.lastPasskeyAt).toBe(9_000);
    recordPasskeyUse(user.id, 7_000);
    expect(findUserById(user.id)?.lastPasskeyAt).toBe(9_000);
  });
});

describe("consumeStepUpChallenge", () => {
  it("accepts a step-up challenge once, only for the user it was issued to", () => {
    const alice = customer();
    const mallory = customer();
    saveStepUpChallenge(alice.id, "YC0001", Date.now() + 60_000);
    expect(consumeStepUpChallenge(mallory.id, "YC0001")).toBe(false);
    expect(consumeStepUpChallenge(alice.id, "YC0001")).toBe(true);
    expect(consumeStepUpChallenge(alice.id, "YC0001")).toBe(false);
  });

  it("refuses a challenge that was never issued as a step-up, or has expired", () => {
    const alice = customer();
    expect(consumeStepUpChallenge(alice.id, "YC-sign-in")).toBe(false);
    saveStepUpChallenge(alice.id, "YC0002", 10_000, 0);
    expect(consumeStepUpChallenge(alice.id, "YC0002", 10_000)).toBe(false);
  });

  it("is forgotten with the user", () => {
    const alice = customer();
    saveStepUpChallenge(alice.id, "YC0003", Date.now() + 60_000);
    db().delete(users).where(eq(users.id, alice.id)).run();
    expect(consumeStepUpChallenge(alice.id, "YC0003")).toBe(false);
  });
});
