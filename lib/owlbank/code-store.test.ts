import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { oneTimeCodes } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { CODE_LENGTH, CODE_TTL_MS, checkCode, codeHash, issueCode, MAX_TRIES } from "./code-store";

let n = 0;
/** The requester (a browser's cookie, hashed) that asks for the codes in these tests. */
const me = "a".repeat(64);
const newNumber = () => `+1415555${String(1000 + ++n).slice(-4)}`;
const rowsFor = (phone: string) => db().select().from(oneTimeCodes).where(eq(oneTimeCodes.phoneNumber, phone)).all();
/** A 6-digit code that is certainly not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 10 ** CODE_LENGTH).padStart(CODE_LENGTH, "0");

describe("issueCode", () => {
  it("makes a 6-digit code and stores only a keyed hash of it", () => {
    const phone = newNumber();
    const { code, expiresAt } = issueCode("recovery", phone, me, 1_000);
    expect(code).toMatch(/^\d{6}$/);
    expect(expiresAt).toBe(1_000 + CODE_TTL_MS);

    const [row] = rowsFor(phone);
    expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.codeHash).toBe(codeHash("recovery", phone, code));
    expect(JSON.stringify(row)).not.toContain(code);
    // A plain SHA-256 of 6 digits is a million-entry lookup away; the hash is keyed and bound
    // to the number and purpose, so it matches nothing else.
    expect(row.codeHash).not.toBe(codeHash("recovery", newNumber(), code));
    expect(row.codeHash).not.toBe(codeHash("phone_change", phone, code));
  });

  it("keeps one active code per number and requester: the requester's new code replaces its old one", () => {
    const phone = newNumber();
    const first = issueCode("recovery", phone, me);
    const second = issueCode("recovery", phone, me);
    expect(rowsFor(phone)).toHaveLength(1);
    if (first.code !== second.code) expect(checkCode("recovery", phone, me, first.code)).toMatchObject({ ok: false, reason: "wrong_code" });
    expect(checkCode("recovery", phone, me, second.code)).toEqual({ ok: true });
  });

  it("leaves the customer's code working when strangers ask for codes to the same number", () => {
    const phone = newNumber();
    const customer = issueCode("recovery", phone, me);
    for (const stranger of ["b", "c", "d"]) issueCode("recovery", phone, stranger.repeat(64));
    expect(rowsFor(phone)).toHaveLength(4);
    expect(checkCode("recovery", phone, me, customer.code)).toEqual({ ok: true });
  });

  it("gives each purpose its own code for the same number", () => {
    const phone = newNumber();
    const recovery = issueCode("recovery", phone, me);
    issueCode("phone_change", phone, me);
    expect(rowsFor(phone)).toHaveLength(2);
    expect(checkCode("recovery", phone, me, recovery.code)).toEqual({ ok: true });
  });
});

describe("checkCode", () => {
  it("accepts the right code once", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, me);
    expect(checkCode("recovery", phone, me, code)).toEqual({ ok: true });
    expect(checkCode("recovery", phone, me, code)).toEqual({ ok: false, reason: "no_code" });
  });

  it("refuses an expired code, even when it is right", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, me, 0);
    expect(checkCode("recovery", phone, me, code, CODE_TTL_MS - 1)).toEqual({ ok: true });

    const again = issueCode("recovery", phone, me, 0);
    expect(checkCode("recovery", phone, me, again.code, CODE_TTL_MS)).toEqual({ ok: false, reason: "expired" });
    expect(rowsFor(phone), "an expired code is removed").toHaveLength(0);
  });

  it("allows 5 tries, then refuses even the right code", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, me);
    const wrong = otherThan(code);
    for (let i = 1; i < MAX_TRIES; i++) {
      expect(checkCode("recovery", phone, me, wrong)).toEqual({ ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - i });
    }
    expect(checkCode("recovery", phone, me, wrong)).toEqual({ ok: false, reason: "too_many_tries" });
    expect(checkCode("recovery", phone, me, code)).toEqual({ ok: false, reason: "too_many_tries" });
  });

  it("counts malformed input as a wrong try and never matches it", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, me);
    expect(checkCode("recovery", phone, me, `${code}0`)).toMatchObject({ ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - 1 });
    expect(checkCode("recovery", phone, me, "")).toMatchObject({ ok: false, reason: "wrong_code" });
    expect(checkCode("recovery", phone, me, ` ${code} `), "surrounding spaces are forgiven").toEqual({ ok: true });
  });

  it("does not accept a code for another number or purpose", () => {
    const phone = newNumber();
    const other = newNumber();
    const { code } = issueCode("recovery", phone, me);
    issueCode("recovery", other, me);
    expect(checkCode("phone_change", phone, me, code)).toEqual({ ok: false, reason: "no_code" });
    // The other number's code is almost certainly different; if equal by chance it is its own.
    const result = checkCode("recovery", other, me, code);
    expect(result.ok ? "coincidence" : result.reason).toMatch(/wrong_code|coincidence/);
    expect(checkCode("recovery", phone, me, code)).toEqual({ ok: true });
  });

  it("treats a code typed in another browser, or one that never asked, as no code", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, me);
    const stranger = "e".repeat(64);
    expect(checkCode("recovery", phone, stranger, code)).toEqual({ ok: false, reason: "no_code" });
    expect(checkCode("recovery", phone, null, code)).toEqual({ ok: false, reason: "no_code" });
    // Neither cost the customer's code a try.
    expect(rowsFor(phone)[0].tries).toBe(0);
    expect(checkCode("recovery", phone, me, code)).toEqual({ ok: true });
  });

  it("a stranger's wrong guesses spend only the stranger's own tries", () => {
    const phone = newNumber();
    const customer = issueCode("recovery", phone, me);
    const stranger = "f".repeat(64);
    issueCode("recovery", phone, stranger);
    for (let i = 0; i < MAX_TRIES; i++) checkCode("recovery", phone, stranger, otherThan(customer.code));
    expect(checkCode("recovery", phone, me, customer.code)).toEqual({ ok: true });
  });

  it("a fresh code starts with fresh tries", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, me);
    for (let i = 0; i < MAX_TRIES; i++) checkCode("recovery", phone, me, otherThan(code));
    const fresh = issueCode("recovery", phone, me);
    expect(checkCode("recovery", phone, me, fresh.code)).toEqual({ ok: true });
  });
});
