import { describe, expect, it } from "vitest";
import { quantile } from "./api";

describe("quantile (nearest rank)", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose

  it("takes the value at the rank, not an interpolation", () => {
    expect(quantile(hundred, 0.5)).toBe(50);
    expect(quantile(hundred, 0.99)).toBe(99);
    expect(quantile(hundred, 1)).toBe(100);
    expect(quantile([3, 1, 2], 0)).toBe(1);
  });

  it("lets one slow request in a hundred show as the p99 only when it is the 99th rank", () => {
    const oneSlow = [...Array(99).fill(10), 5000];
    expect(quantile(oneSlow, 0.99)).toBe(10);
    expect(quantile([...oneSlow, 5000], 0.99)).toBe(5000);
  });

  it("is 0 for no samples", () => {
    expect(quantile([], 0.99)).toBe(0);
  });
});
