import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { createSession, liveSession } from "./sessions";
import { consumeStepUpChallenge, hasFreshPasskey, recordPasskeyUse, saveStepUpChallenge } from "./step-up";
import { completeSignup, savePendingSignup } from "./users";

let n = 0;
async function customer(now = Date.now()) {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "b")}`;
  await savePendingSignup({ factorSid, phoneNumber: `+1650555${String(n).padStart(4, "0")}`, displayName: `Stepper ${n}`, verifyIdentity: identity }, now);
  const result = await completeSignup(factorSid, identity, now);
  if (!result.ok) throw new Error(result.reason);
  return result.user;
}

const signIn = (userId: string, now = Date.now()) =>
  createSession({ userId, createdBy: "sign_in", userAgent: "test", address: "203.0.113.1" }, now);

const steppedUpAt = async (sessionId: string, now: number) => (await liveSession(sessionId, now))?.steppedUpAt;

describe("hasFreshPasskey", () => {
  it("counts the sign-in that created the session, for the configured number of minutes", async () => {
    const maxAge = config().owlbank.stepUpMaxAgeMs;
    const session = await signIn((await customer(1_000_000)).id, 1_000_000);
    expect(hasFreshPasskey(session, 1_000_000 + maxAge - 1)).toBe(true);
    expect(hasFreshPasskey(session, 1_000_000 + maxAge)).toBe(false);
  });

  it("is never fresh without any passkey approval", () => {
    expect(hasFreshPasskey({ steppedUpAt: null })).toBe(false);
  });
});

describe("recordPasskeyUse", () => {
  it("moves this session's approval forward, never back", async () => {
    const session = await signIn((await customer(5_000)).id, 5_000);
    await recordPasskeyUse(session.id, 9_000);
    expect(await steppedUpAt(session.id, 9_000)).toBe(9_000);
    await recordPasskeyUse(session.id, 7_000);
    expect(await steppedUpAt(session.id, 9_000)).toBe(9_000);
  });

  it("never steps up the customer's other sessions", async () => {
    const user = await customer(5_000);
    const stolen = await signIn(user.id, 5_000);
    const customersOwn = await signIn(user.id, 6_000);
    await recordPasskeyUse(customersOwn.id, 9_000);
    expect(await steppedUpAt(stolen.id, 9_000)).toBe(5_000);
    expect(hasFreshPasskey((await liveSession(stolen.id, 5_000 + config().owlbank.stepUpMaxAgeMs))!, 5_000 + config().owlbank.stepUpMaxAgeMs)).toBe(false);
  });
});

describe("consumeStepUpChallenge", () => {
  it("accepts a step-up challenge once, only in the session that issued it", async () => {
    const alice = await signIn((await customer()).id);
    const mallory = await signIn((await customer()).id);
    const alicesOtherSession = await signIn(alice.userId);
    await saveStepUpChallenge(alice.id, "YC0001", Date.now() + 60_000);
    expect(await consumeStepUpChallenge(mallory.id, "YC0001")).toBe(false);
    expect(await consumeStepUpChallenge(alicesOtherSession.id, "YC0001")).toBe(false);
    expect(await consumeStepUpChallenge(alice.id, "YC0001")).toBe(true);
    expect(await consumeStepUpChallenge(alice.id, "YC0001")).toBe(false);
  });

  it("accepts a step-up challenge once when its approval arrives twice at once", async () => {
    const alice = await signIn((await customer()).id);
    await saveStepUpChallenge(alice.id, "YC0004", Date.now() + 60_000);
    const results = await Promise.all([consumeStepUpChallenge(alice.id, "YC0004"), consumeStepUpChallenge(alice.id, "YC0004")]);
    expect(results.sort()).toEqual([false, true]);
  });

  it("refuses a challenge that was never issued as a step-up, or has expired", async () => {
    const alice = await signIn((await customer()).id);
    expect(await consumeStepUpChallenge(alice.id, "YC-sign-in")).toBe(false);
    await saveStepUpChallenge(alice.id, "YC0002", 10_000, 0);
    expect(await consumeStepUpChallenge(alice.id, "YC0002", 10_000)).toBe(false);
  });

  it("is forgotten with the user", async () => {
    const alice = await signIn((await customer()).id);
    await saveStepUpChallenge(alice.id, "YC0003", Date.now() + 60_000);
    await db().delete(users).where(eq(users.id, alice.userId));
    expect(await consumeStepUpChallenge(alice.id, "YC0003")).toBe(false);
  });
});
