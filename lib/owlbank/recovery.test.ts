import { describe, expect, it } from "vitest";
import { completeRecovery, findPendingRecovery, RECOVERY_TTL_MS, savePendingRecovery } from "./recovery";
import { completeSignup, savePendingSignup } from "./users";

let n = 0;
async function customer() {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "c")}`;
  await savePendingSignup({ factorSid, phoneNumber: `+1408555${String(n).padStart(4, "0")}`, displayName: `Lost ${n}`, verifyIdentity: identity });
  const result = await completeSignup(factorSid, identity);
  if (!result.ok) throw new Error(result.reason);
  return result.user;
}
const sid = () => `YF${crypto.randomUUID().replaceAll("-", "")}`;

describe("completeRecovery", () => {
  it("finishes a pending recovery once, as the user it was started for", async () => {
    const user = await customer();
    const factorSid = sid();
    await savePendingRecovery({ factorSid, userId: user.id });
    const result = await completeRecovery(factorSid, user.verifyIdentity);
    expect(result).toMatchObject({ ok: true, user: { id: user.id } });
    expect(await completeRecovery(factorSid, user.verifyIdentity)).toEqual({ ok: false, reason: "no_pending_recovery" });
  });

  it("finishes once when the new passkey arrives twice at once", async () => {
    const user = await customer();
    const factorSid = sid();
    await savePendingRecovery({ factorSid, userId: user.id });
    const results = await Promise.all([completeRecovery(factorSid, user.verifyIdentity), completeRecovery(factorSid, user.verifyIdentity)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "no_pending_recovery" }]);
  });

  it("will not finish it for an identity Verify did not name", async () => {
    const user = await customer();
    const other = await customer();
    const factorSid = sid();
    await savePendingRecovery({ factorSid, userId: user.id });
    expect(await completeRecovery(factorSid, other.verifyIdentity)).toEqual({ ok: false, reason: "no_pending_recovery" });
    expect(await findPendingRecovery(factorSid), "someone else's attempt leaves it untouched").toBeDefined();
  });

  it("refuses a recovery whose window has passed", async () => {
    const user = await customer();
    const factorSid = sid();
    await savePendingRecovery({ factorSid, userId: user.id }, 0);
    expect(await completeRecovery(factorSid, user.verifyIdentity, RECOVERY_TTL_MS)).toEqual({ ok: false, reason: "recovery_expired" });
  });
});
