import { describe, expect, it } from "vitest";
import { formatPhone, toE164 } from "./phone";

describe("toE164", () => {
  it.each([
    ["(415) 555-0123", "+14155550123"],
    ["415 555 0123", "+14155550123"],
    ["+1 415 555 0123", "+14155550123"],
    ["+44 20 7946 0958", "+442079460958"],
  ])("reads %s as %s", (input, e164) => {
    expect(toE164(input)).toBe(e164);
  });

  it.each(["", "12345", "not a number", "+1 415"])("refuses %j", (input) => {
    expect(toE164(input)).toBeUndefined();
  });
});

describe("formatPhone", () => {
  it("shows US numbers nationally and others internationally", () => {
    expect(formatPhone("+14155550123")).toBe("(415) 555-0123");
    expect(formatPhone("+442079460958")).toBe("+44 20 7946 0958");
  });
});
