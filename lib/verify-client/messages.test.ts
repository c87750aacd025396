import { describe, expect, it } from "vitest";
import { GENERIC_VERIFY_MESSAGE, verifyErrorMessage } from "./messages";

describe("verifyErrorMessage", () => {
  it("has a customer-facing message for the refusals a passkey ceremony can meet", () => {
    for (const code of [60311, 60318, 60322, 60323, 60324, 60380, 60383, 60390, 60391]) {
      expect(verifyErrorMessage(code)).not.toBe(GENERIC_VERIFY_MESSAGE);
      expect(verifyErrorMessage(code)).not.toMatch(/\d{5}/);
    }
  });

  it("tells a customer whose passkey skipped user verification (60379) how to get it right", () => {
    expect(verifyErrorMessage(60379)).toMatch(/fingerprint, face or PIN/);
    expect(verifyErrorMessage(60379)).toMatch(/unlock it when asked/);
  });

  it("falls back to a generic message for unknown or missing codes", () => {
    expect(verifyErrorMessage(99999)).toBe(GENERIC_VERIFY_MESSAGE);
    expect(verifyErrorMessage(undefined)).toBe(GENERIC_VERIFY_MESSAGE);
  });
});
