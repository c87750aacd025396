import { desc, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { outbox } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { codeField, requestCode, tryCode } from "./one-time-codes";
import { codeRefusal } from "./one-time-code-messages";
import { resetLimits } from "./rate-limits";

let n = 0;
const newNumber = () => `+1628555${String(1000 + ++n).slice(-4)}`;
const newAddress = () => `198.51.100.${++n % 250}`;
const messagesTo = (phone: string) => db().select().from(outbox).where(eq(outbox.phoneNumber, phone)).orderBy(desc(outbox.createdAt)).all();
const codeIn = (body: string) => /\b(\d{6})\b/.exec(body)![1];

beforeEach(() => resetLimits());

describe("requestCode with the local outbox", () => {
  it("puts a text message with a working code in the outbox", async () => {
    const phone = newNumber();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: true })).toEqual({ ok: true });
    const [message] = messagesTo(phone);
    expect(message.body).toMatch(/OwlBank: \d{6} is your code/);
    expect(await tryCode({ purpose: "recovery", phone, code: codeIn(message.body), address: newAddress() })).toEqual({ ok: true });
  });

  it("keeps no code at rest where codes may not be shown (production without OWLBANK_DEV_OUTBOX)", async () => {
    const { owlbank } = config();
    const phone = newNumber();
    owlbank.devOutbox = false;
    try {
      expect(await requestCode({ purpose: "sign_up", phone, address: newAddress(), deliver: true })).toEqual({ ok: true });
    } finally {
      owlbank.devOutbox = true;
    }
    const [message] = messagesTo(phone);
    expect(message.body, "the outbox records that a code went").toMatch(/sent a sign-up code/);
    expect(message.body).not.toMatch(/\d{6}/);
  });

  it("sends nothing to a number without an account, but answers the same", async () => {
    const phone = newNumber();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: false })).toEqual({ ok: true });
    expect(messagesTo(phone)).toHaveLength(0);
    expect(await tryCode({ purpose: "recovery", phone, code: "123456", address: newAddress() })).toEqual({ ok: false, reason: "no_code" });
  });
});

describe("rate limits", () => {
  it("limits the codes sent to one number, whatever the address", async () => {
    const phone = newNumber();
    const perNumber = config().owlbank.rateLimits.codesPerHour;
    for (let i = 0; i < perNumber; i++) {
      expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: true })).toEqual({ ok: true });
    }
    const refused = await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: true });
    expect(refused).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(refused.ok ? 0 : (refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(messagesTo(phone), "the refused request sent nothing").toHaveLength(perNumber);
    // Another number is unaffected.
    expect(await requestCode({ purpose: "recovery", phone: newNumber(), address: newAddress(), deliver: true })).toEqual({ ok: true });
  });

  it("counts numbers without an account too, so the limit reveals nothing", async () => {
    const phone = newNumber();
    for (let i = 0; i < config().owlbank.rateLimits.codesPerHour; i++) {
      await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: false });
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: false })).toMatchObject({ reason: "rate_limited" });
  });

  it("limits requests and code tries per client address across numbers", async () => {
    const address = newAddress();
    const perAddress = config().owlbank.rateLimits.recoveryPerHour;
    for (let i = 0; i < perAddress; i++) {
      const result =
        i % 2 === 0
          ? await requestCode({ purpose: "recovery", phone: newNumber(), address, deliver: false })
          : await tryCode({ purpose: "recovery", phone: newNumber(), code: "000000", address });
      expect(result.ok || result.reason !== "rate_limited").toBe(true);
    }
    expect(await requestCode({ purpose: "recovery", phone: newNumber(), address, deliver: true })).toMatchObject({ reason: "rate_limited" });
    expect(await tryCode({ purpose: "recovery", phone: newNumber(), code: "000000", address })).toMatchObject({ reason: "rate_limited" });
    // Another address still gets through.
    expect(await requestCode({ purpose: "recovery", phone: newNumber(), address: newAddress(), deliver: false })).toEqual({ ok: true });
  });

  it("a refused try costs the code nothing", async () => {
    const phone = newNumber();
    const address = newAddress();
    await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: true });
    const code = codeIn(messagesTo(phone)[0].body);
    for (let i = 0; i < config().owlbank.rateLimits.recoveryPerHour; i++) {
      await requestCode({ purpose: "recovery", phone: newNumber(), address, deliver: false });
    }
    expect(await tryCode({ purpose: "recovery", phone, code, address })).toMatchObject({ reason: "rate_limited" });
    expect(await tryCode({ purpose: "recovery", phone, code, address: newAddress() })).toEqual({ ok: true });
  });
});

describe("codeField", () => {
  it("takes six digits, with spaces around them forgiven", () => {
    expect(codeField().parse(" 012345 ")).toBe("012345");
  });

  it.each(["12345", "1234567", "12a456", "", "１２３４５６"])("refuses %j with the message given", (typed) => {
    const result = codeField("Enter the code.").safeParse(typed);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe("Enter the code.");
  });
});

describe("sign-up codes", () => {
  it("count against the number's hourly limit but not the address's recovery budget", async () => {
    const address = newAddress();
    const perAddress = config().owlbank.rateLimits.recoveryPerHour;
    for (let i = 0; i < perAddress + 1; i++) {
      expect((await requestCode({ purpose: "sign_up", phone: newNumber(), address, deliver: true })).ok).toBe(true);
    }
    const phone = newNumber();
    for (let i = 0; i < config().owlbank.rateLimits.codesPerHour; i++) {
      expect((await requestCode({ purpose: "sign_up", phone, address: newAddress(), deliver: true })).ok).toBe(true);
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), deliver: true })).toMatchObject({ reason: "rate_limited" });
  });

  it("are texted with their own words, and a sign-up code is no recovery code", async () => {
    const phone = newNumber();
    await requestCode({ purpose: "sign_up", phone, address: newAddress(), deliver: true });
    const [message] = messagesTo(phone);
    expect(message.body).toContain("to confirm this number for your new account");
    expect(await tryCode({ purpose: "recovery", phone, code: codeIn(message.body), address: newAddress() })).toMatchObject({ ok: false });
    expect(await tryCode({ purpose: "sign_up", phone, code: codeIn(message.body), address: newAddress() })).toEqual({ ok: true });
  });
});

describe("codeRefusal", () => {
  it("puts a wrong code next to the field, and anything else above the form", () => {
    expect(codeRefusal({ ok: false, reason: "wrong_code", triesLeft: 4 })).toEqual({
      ok: false,
      errors: { code: ["That code isn't right. You have 4 tries left."] },
    });
    expect(codeRefusal({ ok: false, reason: "expired" })).toEqual({
      ok: false,
      message: "This code has expired or was already used. Ask for a new code.",
    });
  });
});
