import { desc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { outbox } from "@/db/schema/owlbank";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import type { CodeSender } from "./code-sender";
import { codeField, requestCode, tryCode } from "./one-time-codes";
import { CODE_ALREADY_SENT, codeRefusal, codeSentNotice } from "./one-time-code-messages";
import { resetLimits } from "./rate-limits";

let n = 0;
const newNumber = () => `+1628555${String(1000 + ++n).slice(-4)}`;
const newAddress = () => `198.51.100.${++n % 250}`;
/** A browser's requester: the hash of its cookie (code-requester.ts). */
const newRequester = () => (++n).toString(16).padStart(64, "0");
const messagesTo = (phone: string) => db().select().from(outbox).where(eq(outbox.phoneNumber, phone)).orderBy(desc(outbox.createdAt));
const codeIn = (body: string) => /\b(\d{6})\b/.exec(body)![1];

/** Moves the clock past the one-minute window in which a repeat request is not texted again. */
const aMinuteLater = () => vi.setSystemTime(Date.now() + 61_000);

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  await resetLimits();
});
afterEach(() => vi.useRealTimers());

describe("requestCode with the local outbox", () => {
  it("puts a text message with a working code in the outbox", async () => {
    const phone = newNumber();
    const requester = newRequester();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true })).toEqual({ ok: true });
    const [message] = await messagesTo(phone);
    expect(message.body).toMatch(/OwlBank: \d{6} is your code/);
    expect(await tryCode({ purpose: "recovery", phone, code: codeIn(message.body), address: newAddress(), requester })).toEqual({ ok: true });
  });

  it("keeps no code at rest where codes may not be shown (production without OWLBANK_DEV_OUTBOX)", async () => {
    const { owlbank } = config();
    const phone = newNumber();
    owlbank.devOutbox = false;
    try {
      expect(await requestCode({ purpose: "sign_up", phone, address: newAddress(), requester: newRequester(), deliver: true })).toEqual({ ok: true });
    } finally {
      owlbank.devOutbox = true;
    }
    const [message] = await messagesTo(phone);
    expect(message.body, "the outbox records that a code went").toMatch(/sent a sign-up code/);
    expect(message.body).not.toMatch(/\d{6}/);
  });

  it("sends nothing to a number without an account, but answers the same", async () => {
    const phone = newNumber();
    const requester = newRequester();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: false })).toEqual({ ok: true });
    expect(await messagesTo(phone)).toHaveLength(0);
    expect(await tryCode({ purpose: "recovery", phone, code: "123456", address: newAddress(), requester })).toEqual({ ok: false, reason: "no_code" });
  });
});

describe("codes asked for by someone else", () => {
  it("leave the customer's code working and the customer's next request allowed", async () => {
    const phone = newNumber();
    const customer = newRequester();
    await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: customer, deliver: true });
    const code = codeIn((await messagesTo(phone))[0].body);

    // More strangers than the per-requester limit, each from a browser and address of their own.
    for (let i = 0; i <= config().owlbank.rateLimits.codesPerHour; i++) {
      expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: true })).toEqual({ ok: true });
    }
    expect(await tryCode({ purpose: "recovery", phone, code, address: newAddress(), requester: customer })).toEqual({ ok: true });

    aMinuteLater();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: customer, deliver: true })).toEqual({ ok: true });
  });

  it("cannot be used from the customer's browser, nor the customer's code from theirs", async () => {
    const phone = newNumber();
    const customer = newRequester();
    const stranger = newRequester();
    await requestCode({ purpose: "sign_up", phone, address: newAddress(), requester: customer, deliver: true });
    const code = codeIn((await messagesTo(phone))[0].body);
    await requestCode({ purpose: "sign_up", phone, address: newAddress(), requester: stranger, deliver: true });

    expect(await tryCode({ purpose: "sign_up", phone, code, address: newAddress(), requester: null })).toEqual({ ok: false, reason: "no_code" });
    expect(await tryCode({ purpose: "sign_up", phone, code, address: newAddress(), requester: stranger })).toMatchObject({ ok: false });
    expect(await tryCode({ purpose: "sign_up", phone, code, address: newAddress(), requester: customer })).toEqual({ ok: true });
  });
});

describe("a repeat request within a minute", () => {
  it("texts nothing, says a code was already sent, and leaves that code working", async () => {
    const phone = newNumber();
    const requester = newRequester();
    const address = newAddress();
    await requestCode({ purpose: "phone_change", phone, address, requester, deliver: true });
    const again = await requestCode({ purpose: "phone_change", phone, address, requester, deliver: true });
    expect(again).toEqual({ ok: true, alreadySent: true });
    expect(codeSentNotice(again as { ok: true; alreadySent: true })).toBe("We already sent a code a minute ago. It works for 10 minutes.");
    expect(await messagesTo(phone)).toHaveLength(1);
    expect(await tryCode({ purpose: "phone_change", phone, code: codeIn((await messagesTo(phone))[0].body), address, requester })).toEqual({ ok: true });
  });

  it("texts one code when the same requester asks twice at once", async () => {
    const phone = newNumber();
    const requester = newRequester();
    const ask = () => requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true });
    const results = await Promise.all([ask(), ask()]);
    expect(results).toEqual(expect.arrayContaining([{ ok: true }, { ok: true, alreadySent: true }]));
    expect(await messagesTo(phone)).toHaveLength(1);
  });

  it("gets the same answer for a number without an account", async () => {
    const phone = newNumber();
    const requester = newRequester();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: false })).toEqual({ ok: true });
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: false })).toEqual({ ok: true, alreadySent: true });
    expect(CODE_ALREADY_SENT).not.toContain(phone.slice(-4));
  });

  it("costs neither the requester's nor the number's hourly count", async () => {
    const phone = newNumber();
    const requester = newRequester();
    for (let i = 0; i < 3 * config().owlbank.rateLimits.codesPerNumberPerHour; i++) {
      await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true });
    }
    expect(await messagesTo(phone)).toHaveLength(1);
    aMinuteLater();
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true })).toEqual({ ok: true });
  });

  it("is texted after all once the code sent was used", async () => {
    const phone = newNumber();
    const requester = newRequester();
    const address = newAddress();
    await requestCode({ purpose: "recovery", phone, address, requester, deliver: true });
    expect(await tryCode({ purpose: "recovery", phone, code: codeIn((await messagesTo(phone))[0].body), address, requester })).toEqual({ ok: true });
    expect(await requestCode({ purpose: "recovery", phone, address, requester, deliver: true })).toEqual({ ok: true });
    expect(await messagesTo(phone)).toHaveLength(2);
  });

  it("is texted after all when the first send failed", async () => {
    const phone = newNumber();
    const requester = newRequester();
    const globals = globalThis as { owlbankCodeSender?: CodeSender };
    const real = globals.owlbankCodeSender;
    globals.owlbankCodeSender = { send: async () => ({ ok: false, reason: "unavailable" }), check: async () => ({ ok: false, reason: "unavailable" }) };
    try {
      expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true })).toEqual({ ok: false, reason: "unavailable" });
    } finally {
      globals.owlbankCodeSender = real;
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true })).toEqual({ ok: true });
    expect(await messagesTo(phone)).toHaveLength(1);
  });
});

describe("rate limits", () => {
  it("limit the codes one requester has sent to one number", async () => {
    const phone = newNumber();
    const requester = newRequester();
    const perRequester = config().owlbank.rateLimits.codesPerHour;
    for (let i = 0; i < perRequester; i++) {
      expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true })).toEqual({ ok: true });
      aMinuteLater();
    }
    const refused = await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true });
    expect(refused).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(refused.ok ? 0 : (refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(await messagesTo(phone), "the refused request sent nothing").toHaveLength(perRequester);
    // Another requester, and another number, are unaffected.
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: true })).toEqual({ ok: true });
    expect(await requestCode({ purpose: "recovery", phone: newNumber(), address: newAddress(), requester, deliver: true })).toEqual({ ok: true });
  });

  it("cap the codes sent to one number, whoever asks, above the per-requester limit", async () => {
    const phone = newNumber();
    const cap = config().owlbank.rateLimits.codesPerNumberPerHour;
    expect(cap).toBeGreaterThan(config().owlbank.rateLimits.codesPerHour);
    for (let i = 0; i < cap; i++) {
      expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: true })).toEqual({ ok: true });
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: true })).toMatchObject({
      reason: "rate_limited",
    });
    expect(await messagesTo(phone)).toHaveLength(cap);
  });

  it("count numbers without an account too, so the limits reveal nothing", async () => {
    const phone = newNumber();
    const requester = newRequester();
    for (let i = 0; i < config().owlbank.rateLimits.codesPerHour; i++) {
      await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: false });
      aMinuteLater();
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: false })).toMatchObject({ reason: "rate_limited" });
    for (let i = config().owlbank.rateLimits.codesPerHour; i < config().owlbank.rateLimits.codesPerNumberPerHour; i++) {
      await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: false });
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: false })).toMatchObject({
      reason: "rate_limited",
    });
  });

  it("limit requests and code tries per client address across numbers", async () => {
    const address = newAddress();
    const requester = newRequester();
    const perAddress = config().owlbank.rateLimits.recoveryPerHour;
    for (let i = 0; i < perAddress; i++) {
      const result =
        i % 2 === 0
          ? await requestCode({ purpose: "recovery", phone: newNumber(), address, requester, deliver: false })
          : await tryCode({ purpose: "recovery", phone: newNumber(), code: "000000", address, requester });
      expect(result.ok || result.reason !== "rate_limited").toBe(true);
    }
    expect(await requestCode({ purpose: "recovery", phone: newNumber(), address, requester, deliver: true })).toMatchObject({ reason: "rate_limited" });
    expect(await tryCode({ purpose: "recovery", phone: newNumber(), code: "000000", address, requester })).toMatchObject({ reason: "rate_limited" });
    // Another address still gets through.
    expect(await requestCode({ purpose: "recovery", phone: newNumber(), address: newAddress(), requester, deliver: false })).toEqual({ ok: true });
  });

  it("a request refused for its address costs the number nothing", async () => {
    const phone = newNumber();
    const address = newAddress();
    for (let i = 0; i < config().owlbank.rateLimits.recoveryPerHour; i++) {
      await requestCode({ purpose: "recovery", phone: newNumber(), address, requester: newRequester(), deliver: false });
    }
    for (let i = 0; i < config().owlbank.rateLimits.codesPerNumberPerHour; i++) {
      expect(await requestCode({ purpose: "recovery", phone, address, requester: newRequester(), deliver: false })).toMatchObject({ reason: "rate_limited" });
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester: newRequester(), deliver: true })).toEqual({ ok: true });
  });

  it("a refused try costs the code nothing", async () => {
    const phone = newNumber();
    const address = newAddress();
    const requester = newRequester();
    await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true });
    const code = codeIn((await messagesTo(phone))[0].body);
    for (let i = 0; i < config().owlbank.rateLimits.recoveryPerHour; i++) {
      await requestCode({ purpose: "recovery", phone: newNumber(), address, requester: newRequester(), deliver: false });
    }
    expect(await tryCode({ purpose: "recovery", phone, code, address, requester })).toMatchObject({ reason: "rate_limited" });
    expect(await tryCode({ purpose: "recovery", phone, code, address: newAddress(), requester })).toEqual({ ok: true });
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
  it("count against the requester's and number's hourly limits but not the address's recovery budget", async () => {
    const address = newAddress();
    const perAddress = config().owlbank.rateLimits.recoveryPerHour;
    for (let i = 0; i < perAddress + 1; i++) {
      expect((await requestCode({ purpose: "sign_up", phone: newNumber(), address, requester: newRequester(), deliver: true })).ok).toBe(true);
    }
    const phone = newNumber();
    const requester = newRequester();
    for (let i = 0; i < config().owlbank.rateLimits.codesPerHour; i++) {
      expect((await requestCode({ purpose: "sign_up", phone, address: newAddress(), requester, deliver: true })).ok).toBe(true);
      aMinuteLater();
    }
    expect(await requestCode({ purpose: "recovery", phone, address: newAddress(), requester, deliver: true })).toMatchObject({ reason: "rate_limited" });
  });

  it("are texted with their own words, and a sign-up code is no recovery code", async () => {
    const phone = newNumber();
    const requester = newRequester();
    await requestCode({ purpose: "sign_up", phone, address: newAddress(), requester, deliver: true });
    const [message] = await messagesTo(phone);
    expect(message.body).toContain("to confirm this number for your new account");
    expect(await tryCode({ purpose: "recovery", phone, code: codeIn(message.body), address: newAddress(), requester })).toMatchObject({ ok: false });
    expect(await tryCode({ purpose: "sign_up", phone, code: codeIn(message.body), address: newAddress(), requester })).toEqual({ ok: true });
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
