import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { oneTimeCodes } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { CODE_LENGTH, CODE_TTL_MS, checkCode, codeHash, issueCode, MAX_TRIES } from "./code-store";

let n = 0;
/** The requester (a browser's cookie, hashed) that asks for the codes in these tests. */
const me = "a".repeat(64);
const newNumber = () => `+1415555${String(1000 + ++n).slice(-4)}`;
const rowsFor = (phone: string) => db().select().from(oneTimeCodes).where(eq(oneTimeCodes.phoneNumber, phone));
/** A 6-digit code that is certainly not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 10 ** CODE_LENGTH).padStart(CODE_LENGTH, "0");

describe("issueCode", () => {
  it("makes a 6-digit code and stores only a keyed hash of it", async () => {
    const phone = newNumber();
    const { code, expiresAt } = await issueCode("recovery", phone, me, 1_000);
    expect(code).toMatch(/^\d{6}$/);
    expect(expiresAt).toBe(1_000 + CODE_TTL_MS);

    const [row] = await rowsFor(phone);
    expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.codeHash).toBe(codeHash("recovery", phone, code));
    expect(JSON.stringify(row)).not.toContain(code);
    // A plain SHA-256 of 6 digits is a million-entry lookup away; the hash is keyed and bound
    // to the number and purpose, so it matches nothing else.
    expect(row.codeHash).not.toBe(codeHash("recovery", newNumber(), code));
    expect(row.codeHash).not.toBe(codeHash("phone_change", phone, code));
  });

  it("keeps one active code per number and requester: the requester's new code replaces its old one", async () => {
    const phone = newNumber();
    const first = await issueCode("recovery", phone, me);
    const second = await issueCode("recovery", phone, me);
    expect(await rowsFor(phone)).toHaveLength(1);
    if (first.code !== second.code) expect(await checkCode("recovery", phone, me, first.code)).toMatchObject({ ok: false, reason: "wrong_code" });
    expect(await checkCode("recovery", phone, me, second.code)).toEqual({ ok: true });
  });

  it("leaves the customer's code working when strangers ask for codes to the same number", async () => {
    const phone = newNumber();
    const customer = await issueCode("recovery", phone, me);
    for (const stranger of ["b", "c", "d"]) await issueCode("recovery", phone, stranger.repeat(64));
    expect(await rowsFor(phone)).toHaveLength(4);
    expect(await checkCode("recovery", phone, me, customer.code)).toEqual({ ok: true });
  });

  it("gives each purpose its own code for the same number", async () => {
    const phone = newNumber();
    const recovery = await issueCode("recovery", phone, me);
    await issueCode("phone_change", phone, me);
    expect(await rowsFor(phone)).toHaveLength(2);
    expect(await checkCode("recovery", phone, me, recovery.code)).toEqual({ ok: true });
  });
});

describe("checkCode", () => {
  it("accepts the right code once", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    expect(await checkCode("recovery", phone, me, code)).toEqual({ ok: true });
    expect(await checkCode("recovery", phone, me, code)).toEqual({ ok: false, reason: "no_code" });
  });

  it("refuses an expired code, even when it is right", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me, 0);
    expect(await checkCode("recovery", phone, me, code, CODE_TTL_MS - 1)).toEqual({ ok: true });

    const again = await issueCode("recovery", phone, me, 0);
    expect(await checkCode("recovery", phone, me, again.code, CODE_TTL_MS)).toEqual({ ok: false, reason: "expired" });
    expect(await rowsFor(phone), "an expired code is removed").toHaveLength(0);
  });

  it("allows 5 tries, then refuses even the right code", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    const wrong = otherThan(code);
    for (let i = 1; i < MAX_TRIES; i++) {
      expect(await checkCode("recovery", phone, me, wrong)).toEqual({ ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - i });
    }
    expect(await checkCode("recovery", phone, me, wrong)).toEqual({ ok: false, reason: "too_many_tries" });
    expect(await checkCode("recovery", phone, me, code)).toEqual({ ok: false, reason: "too_many_tries" });
  });

  it("counts malformed input as a wrong try and never matches it", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    expect(await checkCode("recovery", phone, me, `${code}0`)).toMatchObject({ ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - 1 });
    expect(await checkCode("recovery", phone, me, "")).toMatchObject({ ok: false, reason: "wrong_code" });
    expect(await checkCode("recovery", phone, me, ` ${code} `), "surrounding spaces are forgiven").toEqual({ ok: true });
  });

  it("does not accept a code for another number or purpose", async () => {
    const phone = newNumber();
    const other = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    await issueCode("recovery", other, me);
    expect(await checkCode("phone_change", phone, me, code)).toEqual({ ok: false, reason: "no_code" });
    // The other number's code is almost certainly different; if equal by chance it is its own.
    const result = await checkCode("recovery", other, me, code);
    expect(result.ok ? "coincidence" : result.reason).toMatch(/wrong_code|coincidence/);
    expect(await checkCode("recovery", phone, me, code)).toEqual({ ok: true });
  });

  it("treats a code typed in another browser, or one that never asked, as no code", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    const stranger = "e".repeat(64);
    expect(await checkCode("recovery", phone, stranger, code)).toEqual({ ok: false, reason: "no_code" });
    expect(await checkCode("recovery", phone, null, code)).toEqual({ ok: false, reason: "no_code" });
    // Neither cost the customer's code a try.
    expect((await rowsFor(phone))[0].tries).toBe(0);
    expect(await checkCode("recovery", phone, me, code)).toEqual({ ok: true });
  });

  it("a stranger's wrong guesses spend only the stranger's own tries", async () => {
    const phone = newNumber();
    const customer = await issueCode("recovery", phone, me);
    const stranger = "f".repeat(64);
    await issueCode("recovery", phone, stranger);
    for (let i = 0; i < MAX_TRIES; i++) await checkCode("recovery", phone, stranger, otherThan(customer.code));
    expect(await checkCode("recovery", phone, me, customer.code)).toEqual({ ok: true });
  });

  it("spends exactly one try per guess, however many arrive at once", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    const wrong = otherThan(code);
    const results = await Promise.all(Array.from({ length: 2 * MAX_TRIES }, () => checkCode("recovery", phone, me, wrong)));
    const triesLeft = results.flatMap((r) => (!r.ok && r.reason === "wrong_code" ? [r.triesLeft] : [])).sort((a, b) => a - b);
    expect(triesLeft).toEqual(Array.from({ length: MAX_TRIES - 1 }, (_, i) => i + 1));
    expect(results.filter((r) => !r.ok && r.reason === "too_many_tries")).toHaveLength(MAX_TRIES + 1);
    expect((await rowsFor(phone))[0].tries).toBe(MAX_TRIES);
    expect(await checkCode("recovery", phone, me, code)).toEqual({ ok: false, reason: "too_many_tries" });
  });

  it("accepts the right code once when it is sent twice at once", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    const results = await Promise.all([checkCode("recovery", phone, me, code), checkCode("recovery", phone, me, code)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "no_code" }]);
  });

  it("a fresh code starts with fresh tries", async () => {
    const phone = newNumber();
    const { code } = await issueCode("recovery", phone, me);
    for (let i = 0; i < MAX_TRIES; i++) await checkCode("recovery", phone, me, otherThan(code));
    const fresh = await issueCode("recovery", phone, me);
    expect(await checkCode("recovery", phone, me, fresh.code)).toEqual({ ok: true });
  });
});
