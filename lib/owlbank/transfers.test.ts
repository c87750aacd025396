import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bankAccounts, transactions, transfers } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { executeTransfer, findTransfer, refuseDraft, saveDraft, transferDigest } from "./transfers";
import { completeSignup, savePendingSignup } from "./users";

let n = 0;

/** A customer with the demo accounts, as sign-up makes them. */
async function customer() {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "a")}`;
  await savePendingSignup({ factorSid, phoneNumber: `+1510555${String(n).padStart(4, "0")}`, displayName: `Payer ${n}`, verifyIdentity: identity });
  const result = await completeSignup(factorSid, identity);
  if (!result.ok) throw new Error(result.reason);
  const accounts = await db().select().from(bankAccounts).where(eq(bankAccounts.userId, result.user.id));
  const checking = accounts.find((a) => a.name === "Everyday Checking")!;
  return { user: result.user, checking };
}
type Customer = Awaited<ReturnType<typeof customer>>;

async function balance(accountId: string) {
  const [account] = await db().select().from(bankAccounts).where(eq(bankAccounts.id, accountId));
  return account.balanceCents;
}
const history = (accountId: string) => db().select().from(transactions).where(eq(transactions.accountId, accountId));

function draftFor(who: Customer, amountCents = 25_00, opts: { now?: number; expiresAt?: number } = {}) {
  const now = opts.now ?? Date.now();
  const challengeSid = `YC${crypto.randomUUID().replaceAll("-", "")}`;
  return saveDraft(
    who.user.id,
    { fromAccountId: who.checking.id, payee: "Alex Chen", amountCents, memo: "Dinner" },
    { sid: challengeSid, expiresAt: opts.expiresAt ?? now + 5 * 60_000 },
    now,
  );
}

const approve = (who: Customer, draft: { id: string; challengeSid: string }, overrides: Partial<{ challengeSid: string; identity: string; now: number }> = {}) =>
  executeTransfer({
    userId: who.user.id,
    verifyIdentity: who.user.verifyIdentity,
    transferId: draft.id,
    approved: { challengeSid: overrides.challengeSid ?? draft.challengeSid, identity: overrides.identity ?? who.user.verifyIdentity },
    now: overrides.now,
  });

describe("executeTransfer", () => {
  it("moves the money once, with a transaction row, when the draft's own challenge is approved", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice, 25_00);

    const result = await approve(alice, draft);
    expect(result).toMatchObject({ ok: true, balanceCents: before - 25_00 });
    expect(await balance(alice.checking.id)).toBe(before - 25_00);
    expect(await findTransfer(alice.user.id, draft.id)).toMatchObject({ status: "executed" });
    expect((await history(alice.checking.id)).filter((t) => t.amountCents === -25_00)).toEqual([
      expect.objectContaining({ description: "Transfer to Alex Chen · Dinner" }),
    ]);
  });

  it("does not move the money a second time for the same approval", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice);
    expect((await approve(alice, draft)).ok).toBe(true);
    expect(await approve(alice, draft)).toEqual({ ok: false, reason: "already_executed" });
    expect(await balance(alice.checking.id)).toBe(before - 25_00);
  });

  it("moves the money once when the same approval arrives twice at once", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice);
    const results = await Promise.all([approve(alice, draft), approve(alice, draft)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "already_executed" }]);
    expect(await balance(alice.checking.id)).toBe(before - 25_00);
  });

  it("never overdraws when two transfers race for the same money", async () => {
    const alice = await customer();
    await db().update(bankAccounts).set({ balanceCents: 30_00 }).where(eq(bankAccounts.id, alice.checking.id));
    const [first, second] = [await draftFor(alice, 25_00), await draftFor(alice, 25_00)];
    const results = await Promise.all([approve(alice, first), approve(alice, second)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "insufficient_funds" }]);
    expect(await balance(alice.checking.id)).toBe(5_00);
    expect((await history(alice.checking.id)).filter((t) => t.amountCents === -25_00)).toHaveLength(1);
  });

  it("refuses an approval of another challenge", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice);
    const other = await draftFor(alice);
    expect(await approve(alice, draft, { challengeSid: other.challengeSid })).toEqual({ ok: false, reason: "challenge_mismatch" });
    expect(await balance(alice.checking.id)).toBe(before);
    expect(await findTransfer(alice.user.id, draft.id)).toMatchObject({ status: "refused", refusedReason: "challenge_mismatch" });
    expect(await approve(alice, draft), "a refused draft stays refused").toEqual({ ok: false, reason: "already_refused" });
  });

  it("refuses an approval by another user's identity", async () => {
    const alice = await customer();
    const mallory = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice);
    expect(await approve(alice, draft, { identity: mallory.user.verifyIdentity })).toEqual({ ok: false, reason: "identity_mismatch" });
    expect(await balance(alice.checking.id)).toBe(before);
  });

  it("will not execute another user's draft", async () => {
    const alice = await customer();
    const mallory = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice);
    const result = await executeTransfer({
      userId: mallory.user.id,
      verifyIdentity: mallory.user.verifyIdentity,
      transferId: draft.id,
      approved: { challengeSid: draft.challengeSid, identity: mallory.user.verifyIdentity },
    });
    expect(result).toEqual({ ok: false, reason: "not_found" });
    expect(await balance(alice.checking.id)).toBe(before);
    expect((await findTransfer(alice.user.id, draft.id))?.status).toBe("draft");
  });

  it("refuses a draft whose amount was edited after the challenge was issued", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice, 25_00);
    await db().update(transfers).set({ amountCents: 2_500_00 }).where(eq(transfers.id, draft.id));
    expect(await approve(alice, draft)).toEqual({ ok: false, reason: "details_changed" });
    expect(await balance(alice.checking.id)).toBe(before);
  });

  it("refuses an edit even when the digest is recomputed without the server key", async () => {
    const alice = await customer();
    const draft = await draftFor(alice, 25_00);
    const forged = createHash("sha256").update(JSON.stringify([draft.id, alice.user.id, draft.fromAccountId, "Mallory", 25_00, "", draft.challengeSid])).digest("hex");
    await db().update(transfers).set({ payee: "Mallory", memo: "", digest: forged }).where(eq(transfers.id, draft.id));
    expect(await approve(alice, draft)).toEqual({ ok: false, reason: "details_changed" });
  });

  it("refuses an approval after the challenge expired", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice, 25_00, { now: 1_000, expiresAt: 2_000 });
    expect(await approve(alice, draft, { now: 2_000 })).toEqual({ ok: false, reason: "expired" });
    expect(await balance(alice.checking.id)).toBe(before);
  });

  it("refuses, and leaves the balance alone, when the account can't cover the amount", async () => {
    const alice = await customer();
    await db().update(bankAccounts).set({ balanceCents: 10_00 }).where(eq(bankAccounts.id, alice.checking.id));
    const draft = await draftFor(alice, 25_00);
    expect(await approve(alice, draft)).toEqual({ ok: false, reason: "insufficient_funds" });
    expect(await balance(alice.checking.id)).toBe(10_00);
    expect(await findTransfer(alice.user.id, draft.id)).toMatchObject({ status: "refused", executedAt: null });
  });

  it("a cancelled draft can't be approved", async () => {
    const alice = await customer();
    const before = await balance(alice.checking.id);
    const draft = await draftFor(alice);
    await refuseDraft(alice.user.id, draft.id, "cancelled");
    expect(await approve(alice, draft)).toEqual({ ok: false, reason: "already_refused" });
    expect(await balance(alice.checking.id)).toBe(before);
  });
});

describe("transferDigest", () => {
  it("changes with every detail and with the challenge", () => {
    const base = { id: "t", userId: "u", fromAccountId: "a", payee: "Alex", amountCents: 100, memo: "", challengeSid: "YC1" };
    const digest = transferDigest(base);
    for (const change of [{ payee: "Alexa" }, { amountCents: 101 }, { memo: "x" }, { challengeSid: "YC2" }, { fromAccountId: "b" }, { userId: "v" }]) {
      expect(transferDigest({ ...base, ...change })).not.toBe(digest);
    }
  });
});
