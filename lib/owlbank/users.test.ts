import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bankAccounts, transactions, users } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { balanceOf, DEMO_ACCOUNTS } from "./demo-data";
import { completeSignup, findPendingSignup, findUserByIdentity, savePendingSignup, SIGNUP_TTL_MS, takeExpiredSignups } from "./users";

let n = 0;
function pending(overrides: Partial<{ phoneNumber: string; now: number }> = {}) {
  n += 1;
  const signup = {
    factorSid: `YF${String(n).padStart(32, "0")}`,
    phoneNumber: overrides.phoneNumber ?? `+1415555${String(n).padStart(4, "0")}`,
    displayName: `Test User ${n}`,
    verifyIdentity: crypto.randomUUID(),
  };
  savePendingSignup(signup, overrides.now);
  return signup;
}

describe("completeSignup", () => {
  it("creates the user with demo accounts and transactions only from a pending sign-up", () => {
    const signup = pending();
    const result = completeSignup(signup.factorSid, signup.verifyIdentity);
    expect(result.ok).toBe(true);
    if (!result.ok) return;

    expect(result.user).toMatchObject({ phoneNumber: signup.phoneNumber, displayName: signup.displayName, verifyIdentity: signup.verifyIdentity });
    expect(findUserByIdentity(signup.verifyIdentity)?.id).toBe(result.user.id);
    expect(findPendingSignup(signup.factorSid), "the pending sign-up is consumed").toBeUndefined();

    const accounts = db().select().from(bankAccounts).where(eq(bankAccounts.userId, result.user.id)).all();
    expect(accounts.map((a) => a.name).sort()).toEqual(DEMO_ACCOUNTS.map((a) => a.name).sort());
    for (const account of accounts) {
      const demo = DEMO_ACCOUNTS.find((d) => d.name === account.name)!;
      const rows = db().select().from(transactions).where(eq(transactions.accountId, account.id)).all();
      expect(rows).toHaveLength(demo.transactions.length);
      expect(Number.isInteger(account.balanceCents)).toBe(true);
      expect(account.balanceCents).toBe(balanceOf(demo));
      expect(account.number).toMatch(/^\d{4}$/);
    }
  });

  it("will not complete a sign-up for an identity other than the one Verify verified", () => {
    const signup = pending();
    const result = completeSignup(signup.factorSid, crypto.randomUUID());
    expect(result).toEqual({ ok: false, reason: "no_pending_signup" });
    expect(findPendingSignup(signup.factorSid), "someone else's attempt leaves it untouched").toBeDefined();
  });

  it("completes a sign-up only once", () => {
    const signup = pending();
    expect(completeSignup(signup.factorSid, signup.verifyIdentity).ok).toBe(true);
    expect(completeSignup(signup.factorSid, signup.verifyIdentity)).toEqual({ ok: false, reason: "no_pending_signup" });
  });

  it("refuses an expired sign-up", () => {
    const now = Date.now();
    const signup = pending({ now: now - SIGNUP_TTL_MS - 1000 });
    expect(completeSignup(signup.factorSid, signup.verifyIdentity, now)).toEqual({ ok: false, reason: "signup_expired" });
    expect(findUserByIdentity(signup.verifyIdentity)).toBeUndefined();
  });

  it("refuses a second account for a phone number that signed up meanwhile", () => {
    const first = pending({ phoneNumber: "+14155550100" });
    const second = pending({ phoneNumber: "+14155550100" });
    expect(completeSignup(first.factorSid, first.verifyIdentity).ok).toBe(true);
    expect(completeSignup(second.factorSid, second.verifyIdentity)).toEqual({ ok: false, reason: "phone_taken" });
    expect(db().select().from(users).where(eq(users.phoneNumber, "+14155550100")).all()).toHaveLength(1);
  });
});

describe("takeExpiredSignups", () => {
  it("removes only the sign-ups whose registration window has passed", () => {
    const now = Date.now();
    const stale = pending({ now: now - SIGNUP_TTL_MS - 1 });
    const fresh = pending({ now });
    const taken = takeExpiredSignups(now);
    expect(taken.map((t) => t.factorSid)).toContain(stale.factorSid);
    expect(taken.map((t) => t.factorSid)).not.toContain(fresh.factorSid);
    expect(findPendingSignup(fresh.factorSid)).toBeDefined();
  });
});
