import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { oneTimeCodes } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { CODE_LENGTH, CODE_TTL_MS, checkCode, codeHash, issueCode, MAX_TRIES } from "./code-store";

let n = 0;
const newNumber = () => `+1415555${String(1000 + ++n).slice(-4)}`;
const rowsFor = (phone: string) => db().select().from(oneTimeCodes).where(eq(oneTimeCodes.phoneNumber, phone)).all();
/** A 6-digit code that is certainly not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 10 ** CODE_LENGTH).padStart(CODE_LENGTH, "0");

describe("issueCode", () => {
  it("makes a 6-digit code and stores only a keyed hash of it", () => {
    const phone = newNumber();
    const { code, expiresAt } = issueCode("recovery", phone, 1_000);
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

  it("keeps one active code per number: a new code replaces the old one", () => {
    const phone = newNumber();
    const first = issueCode("recovery", phone);
    const second = issueCode("recovery", phone);
    expect(rowsFor(phone)).toHaveLength(1);
    if (first.code !== second.code) expect(checkCode("recovery", phone, first.code)).toMatchObject({ ok: false, reason: "wrong_code" });
    expect(checkCode("recovery", phone, second.code)).toEqual({ ok: true });
  });

  it("gives each purpose its own code for the same number", () => {
    const phone = newNumber();
    const recovery = issueCode("recovery", phone);
    issueCode("phone_change", phone);
    expect(rowsFor(phone)).toHaveLength(2);
    expect(checkCode("recovery", phone, recovery.code)).toEqual({ ok: true });
  });
});

describe("checkCode", () => {
  it("accepts the right code once", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone);
    expect(checkCode("recovery", phone, code)).toEqual({ ok: true });
    expect(checkCode("recovery", phone, code)).toEqual({ ok: false, reason: "no_code" });
  });

  it("refuses an expired code, even when it is right", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone, 0);
    expect(checkCode("recovery", phone, code, CODE_TTL_MS - 1)).toEqual({ ok: true });

    const again = issueCode("recovery", phone, 0);
    expect(checkCode("recovery", phone, again.code, CODE_TTL_MS)).toEqual({ ok: false, reason: "expired" });
    expect(rowsFor(phone), "an expired code is removed").toHaveLength(0);
  });

  it("allows 5 tries, then refuses even the right code", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone);
    const wrong = otherThan(code);
    for (let i = 1; i < MAX_TRIES; i++) {
      expect(checkCode("recovery", phone, wrong)).toEqual({ ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - i });
    }
    expect(checkCode("recovery", phone, wrong)).toEqual({ ok: false, reason: "too_many_tries" });
    expect(checkCode("recovery", phone, code)).toEqual({ ok: false, reason: "too_many_tries" });
  });

  it("counts malformed input as a wrong try and never matches it", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone);
    expect(checkCode("recovery", phone, `${code}0`)).toMatchObject({ ok: false, reason: "wrong_code", triesLeft: MAX_TRIES - 1 });
    expect(checkCode("recovery", phone, "")).toMatchObject({ ok: false, reason: "wrong_code" });
    expect(checkCode("recovery", phone, ` ${code} `), "surrounding spaces are forgiven").toEqual({ ok: true });
  });

  it("does not accept a code for another number or purpose", () => {
    const phone = newNumber();
    const other = newNumber();
    const { code } = issueCode("recovery", phone);
    issueCode("recovery", other);
    expect(checkCode("phone_change", phone, code)).toEqual({ ok: false, reason: "no_code" });
    // The other number's code is almost certainly different; if equal by chance it is its own.
    const result = checkCode("recovery", other, code);
    expect(result.ok ? "coincidence" : result.reason).toMatch(/wrong_code|coincidence/);
    expect(checkCode("recovery", phone, code)).toEqual({ ok: true });
  });

  it("a fresh code starts with fresh tries", () => {
    const phone = newNumber();
    const { code } = issueCode("recovery", phone);
    for (let i = 0; i < MAX_TRIES; i++) checkCode("recovery", phone, otherThan(code));
    const fresh = issueCode("recovery", phone);
    expect(checkCode("recovery", phone, fresh.code)).toEqual({ ok: true });
  });
});
