import { describe, expect, it } from "vitest";
import { formatCents, parseAmountToCents } from "./money";

describe("parseAmountToCents", () => {
  it.each([
    ["25", 2500],
    ["25.5", 2550],
    ["25.05", 2505],
    ["0.29", 29],
    ["$1,234.56", 123456],
    [" 10 ", 1000],
    ["1000000", 100000000],
  ])("reads %j as %i cents", (input, cents) => {
    expect(parseAmountToCents(input)).toBe(cents);
  });

  it.each(["", "abc", "1.234", "-5", "1,23", "12,34.00", "1e3", "5.", ".5"])("refuses %j", (input) => {
    expect(parseAmountToCents(input)).toBeUndefined();
  });
});

describe("formatCents", () => {
  it("formats integer cents as dollars", () => {
    expect(formatCents(123456)).toBe("$1,234.56");
    expect(formatCents(5)).toBe("$0.05");
  });
});
