import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bankAccounts, transactions, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { balanceOf, DEMO_ACCOUNTS } from "./demo-data";
import { completeSignup, findPendingSignup, findUserByIdentity, savePendingSignup, SIGNUP_TTL_MS, takeExpiredSignups } from "./users";

let n = 0;
async function pending(overrides: Partial<{ phoneNumber: string; now: number }> = {}) {
  n += 1;
  const signup = {
    factorSid: `YF${String(n).padStart(32, "0")}`,
    phoneNumber: overrides.phoneNumber ?? `+1415555${String(n).padStart(4, "0")}`,
    displayName: `Test User ${n}`,
    verifyIdentity: crypto.randomUUID(),
  };
  await savePendingSignup(signup, overrides.now);
  return signup;
}

describe("completeSignup", () => {
  it("creates the user with demo accounts and transactions only from a pending sign-up", async () => {
    const signup = await pending();
    const result = await completeSignup(signup.factorSid, signup.verifyIdentity);
    expect(result.ok).toBe(true);
    if (!result.ok) return;

    expect(result.user).toMatchObject({ phoneNumber: signup.phoneNumber, displayName: signup.displayName, verifyIdentity: signup.verifyIdentity });
    expect((await findUserByIdentity(signup.verifyIdentity))?.id).toBe(result.user.id);
    expect(await findPendingSignup(signup.factorSid), "the pending sign-up is consumed").toBeUndefined();

    const accounts = await db().select().from(bankAccounts).where(eq(bankAccounts.userId, result.user.id));
    expect(accounts.map((a) => a.name).sort()).toEqual(DEMO_ACCOUNTS.map((a) => a.name).sort());
    for (const account of accounts) {
      const demo = DEMO_ACCOUNTS.find((d) => d.name === account.name)!;
      const rows = await db().select().from(transactions).where(eq(transactions.accountId, account.id));
      expect(rows).toHaveLength(demo.transactions.length);
      expect(Number.isInteger(account.balanceCents)).toBe(true);
      expect(account.balanceCents).toBe(balanceOf(demo));
      expect(account.number).toMatch(/^\d{4}$/);
    }
  });

  it("will not complete a sign-up for an identity other than the one Verify verified", async () => {
    const signup = await pending();
    const result = await completeSignup(signup.factorSid, crypto.randomUUID());
    expect(result).toEqual({ ok: false, reason: "no_pending_signup" });
    expect(await findPendingSignup(signup.factorSid), "someone else's attempt leaves it untouched").toBeDefined();
  });

  it("completes a sign-up only once", async () => {
    const signup = await pending();
    expect((await completeSignup(signup.factorSid, signup.verifyIdentity)).ok).toBe(true);
    expect(await completeSignup(signup.factorSid, signup.verifyIdentity)).toEqual({ ok: false, reason: "no_pending_signup" });
  });

  it("refuses an expired sign-up", async () => {
    const now = Date.now();
    const signup = await pending({ now: now - SIGNUP_TTL_MS - 1000 });
    expect(await completeSignup(signup.factorSid, signup.verifyIdentity, now)).toEqual({ ok: false, reason: "signup_expired" });
    expect(await findUserByIdentity(signup.verifyIdentity)).toBeUndefined();
  });

  it("refuses a second account for a phone number that signed up meanwhile", async () => {
    const first = await pending({ phoneNumber: "+14155550100" });
    const second = await pending({ phoneNumber: "+14155550100" });
    expect((await completeSignup(first.factorSid, first.verifyIdentity)).ok).toBe(true);
    expect(await completeSignup(second.factorSid, second.verifyIdentity)).toEqual({ ok: false, reason: "phone_taken" });
    expect(await db().select().from(users).where(eq(users.phoneNumber, "+14155550100"))).toHaveLength(1);
  });
});

describe("completeSignup at the same time", () => {
  it("opens one account when two sign-ups for one number finish at once", async () => {
    const first = await pending({ phoneNumber: "+14155550101" });
    const second = await pending({ phoneNumber: "+14155550101" });
    const results = await Promise.all([
      completeSignup(first.factorSid, first.verifyIdentity),
      completeSignup(second.factorSid, second.verifyIdentity),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "phone_taken" }]);
    expect(await db().select().from(users).where(eq(users.phoneNumber, "+14155550101"))).toHaveLength(1);
    expect(await findPendingSignup(first.factorSid), "both pending sign-ups are used up").toBeUndefined();
    expect(await findPendingSignup(second.factorSid)).toBeUndefined();
  });

  it("completes one sign-up once when its passkey arrives twice at once", async () => {
    const signup = await pending();
    const results = await Promise.all([
      completeSignup(signup.factorSid, signup.verifyIdentity),
      completeSignup(signup.factorSid, signup.verifyIdentity),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "no_pending_signup" }]);
  });
});

describe("takeExpiredSignups", () => {
  it("removes only the sign-ups whose registration window has passed", async () => {
    const now = Date.now();
    const stale = await pending({ now: now - SIGNUP_TTL_MS - 1 });
    const fresh = await pending({ now });
    const taken = await takeExpiredSignups(now);
    expect(taken.map((t) => t.factorSid)).toContain(stale.factorSid);
    expect(taken.map((t) => t.factorSid)).not.toContain(fresh.factorSid);
    expect(await findPendingSignup(fresh.factorSid)).toBeDefined();
  });
});
