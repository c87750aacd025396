import { describe, expect, it } from "vitest";
import { changePhoneNumber } from "./profile";
import { completeSignup, findUserById, savePendingSignup } from "./users";

let n = 0;
async function customer() {
  n += 1;
  const identity = crypto.randomUUID();
  const factorSid = `YF${String(n).padStart(32, "d")}`;
  await savePendingSignup({ factorSid, phoneNumber: `+1312555${String(n).padStart(4, "0")}`, displayName: `Mover ${n}`, verifyIdentity: identity });
  const result = await completeSignup(factorSid, identity);
  if (!result.ok) throw new Error(result.reason);
  return result.user;
}

describe("changePhoneNumber", () => {
  it("moves the account to a free number", async () => {
    const user = await customer();
    expect(await changePhoneNumber(user.id, "+13125559000")).toMatchObject({ ok: true, user: { id: user.id, phoneNumber: "+13125559000" } });
    expect((await findUserById(user.id))?.phoneNumber).toBe("+13125559000");
  });

  it("refuses a number another account has, and leaves both accounts as they were", async () => {
    const alice = await customer();
    const bob = await customer();
    expect(await changePhoneNumber(alice.id, bob.phoneNumber)).toEqual({ ok: false, reason: "phone_taken" });
    expect((await findUserById(alice.id))?.phoneNumber).toBe(alice.phoneNumber);
  });

  it("gives a number to one account when two move to it at once", async () => {
    const [alice, bob] = [await customer(), await customer()];
    const results = await Promise.all([changePhoneNumber(alice.id, "+13125559001"), changePhoneNumber(bob.id, "+13125559001")]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "phone_taken" }]);
  });
});
