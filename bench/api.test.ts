import { describe, expect, it } from "vitest";
import { quantile } from "./api";
import { descendants, parseStat, read, used } from "./cpu";

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

describe("CPU readings from /proc (bench/cpu.ts)", () => {
  // A real line's shape: the command name may hold spaces and parentheses.
  const line = (name: string, ppid: number, [utime, stime, cutime, cstime]: number[]) =>
    `4242 (${name}) S ${ppid} 4242 4242 0 -1 4194560 1000 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 11 0 12345 1000000 5000`;

  it("adds user, system and reaped children's time, whatever the command name holds", () => {
    expect(parseStat(line("next-server (v16.4.6)", 17, [120, 30, 5, 2]))).toEqual({ ppid: 17, ticks: 157 });
    expect(parseStat(line("postgres: owlbank db 127.0.0.1(5) idle", 9, [1, 2, 0, 0]))).toEqual({ ppid: 9, ticks: 3 });
  });

  it("finds a process's descendants at any depth, and nothing of a sibling tree", () => {
    const stats = new Map([
      [1, { ppid: 0 }],
      [10, { ppid: 1 }],
      [11, { ppid: 10 }],
      [12, { ppid: 11 }],
      [20, { ppid: 1 }],
      [21, { ppid: 20 }],
    ]);
    expect(descendants(stats, [10]).sort((a, b) => a - b)).toEqual([10, 11, 12]);
    expect(descendants(stats, [99])).toEqual([]);
  });

  it("reads this process's own CPU time, in milliseconds between two readings", () => {
    const groups = { self: () => [process.pid] };
    const before = read(groups);
    // 50 ms of CPU, however long a busy machine takes to give it: five ticks of 10 ms.
    const start = process.cpuUsage();
    while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < 50) Math.sqrt(Math.random());
    const spent = used(before, read(groups));
    if (!before) return; // no /proc here
    expect(spent?.self).toBeGreaterThanOrEqual(30);
    expect(spent?.self).toBeLessThan(10_000);
  });
});
