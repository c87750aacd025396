import { describe, expect, it } from "vitest";
import { completeRecovery, findPendingRecovery, RECOVERY_TTL_MS, savePendingRecovery } from "./recovery";
import { completeSignup, savePendingSignup } from "./users";

let n = 0;
function customer() {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "c")}`;
  savePendingSignup({ factorSid, phoneNumber: `+1408555${String(n).padStart(4, "0")}`, displayName: `Lost ${n}`, verifyIdentity: identity });
  const result = completeSignup(factorSid, identity);
  if (!result.ok) throw new Error(result.reason);
  return result.user;
}
const sid = () => `YF${crypto.randomUUID().replaceAll("-", "")}`;

describe("completeRecovery", () => {
  it("finishes a pending recovery once, as the user it was started for", () => {
    const user = customer();
    const factorSid = sid();
    savePendingRecovery({ factorSid, userId: user.id });
    const result = completeRecovery(factorSid, user.verifyIdentity);
    expect(result).toMatchObject({ ok: true, user: { id: user.id } });
    expect(completeRecovery(factorSid, user.verifyIdentity)).toEqual({ ok: false, reason: "no_pending_recovery" });
  });

  it("will not finish it for an identity Verify did not name", () => {
    const user = customer();
    const other = customer();
    const factorSid = sid();
    savePendingRecovery({ factorSid, userId: user.id });
    expect(completeRecovery(factorSid, other.verifyIdentity)).toEqual({ ok: false, reason: "no_pending_recovery" });
    expect(findPendingRecovery(factorSid), "someone else's attempt leaves it untouched").toBeDefined();
  });

  it("refuses a recovery whose window has passed", () => {
    const user = customer();
    const factorSid = sid();
    savePendingRecovery({ factorSid, userId: user.id }, 0);
    expect(completeRecovery(factorSid, user.verifyIdentity, RECOVERY_TTL_MS)).toEqual({ ok: false, reason: "recovery_expired" });
  });
});
