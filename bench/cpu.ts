/**
 * CPU time a group of processes consumed, from Linux's /proc: a process and all its
 * descendants (found by their parent PID), user + system time of every thread, plus what
 * their exited children used (`cutime` + `cstime`, which a parent collects when it reaps a
 * child). So a PostgreSQL backend or a worker that exits during a measurement still counts:
 * its time moves into its parent's figures. Measurements are differences of two readings.
 *
 * Linux only; elsewhere every reading is `undefined` and the report says "not measured".
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

/** Clock ticks per second, the unit of /proc/<pid>/stat's times (`getconf CLK_TCK`, 100 almost everywhere). */
export const CLOCK_TICKS = (() => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(result.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

type Stat = { ppid: number; ticks: number };

/**
 * Fields of /proc/<pid>/stat after the command name, which is in parentheses and may hold
 * spaces: [0] is field 3 (state), so field n is at n − 3.
 */
export function parseStat(text: string): Stat | undefined {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  // utime (14), stime (15), cutime (16), cstime (17).
  const ticks = field(14) + field(15) + field(16) + field(17);
  if (!Number.isFinite(ticks)) return undefined;
  return { ppid: field(4), ticks };
}

function readStats(): Map<number, Stat> | undefined {
  let names: string[];
  try {
    names = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const stats = new Map<number, Stat>();
  for (const name of names) {
    try {
      const stat = parseStat(fs.readFileSync(`/proc/${name}/stat`, "utf8"));
      if (stat) stats.set(Number(name), stat);
    } catch {
      // Ended between the listing and the read.
    }
  }
  return stats;
}

/** `roots` and every process below them, by parent PID. */
export function descendants(stats: Map<number, { ppid: number }>, roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Set<number>();
  const queue = roots.filter((pid) => stats.has(pid));
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found];
}

/** Named groups of processes, each given by its root PIDs (read when the reading is taken). */
export type Groups = Record<string, () => number[]>;
/** Ticks per group at one moment; `undefined` where /proc cannot be read. */
export type Reading = Record<string, number> | undefined;

export function read(groups: Groups): Reading {
  if (Object.keys(groups).length === 0) return undefined;
  const stats = readStats();
  if (!stats) return undefined;
  return Object.fromEntries(
    Object.entries(groups).map(([name, roots]) => [name, descendants(stats, roots()).reduce((sum, pid) => sum + (stats.get(pid)?.ticks ?? 0), 0)]),
  );
}

/** Milliseconds of CPU each group used between two readings. */
export function used(before: Reading, after: Reading): Record<string, number> | undefined {
  if (!before || !after) return undefined;
  return Object.fromEntries(Object.keys(after).map((name) => [name, (Math.max(0, after[name] - (before[name] ?? 0)) * 1000) / CLOCK_TICKS]));
}
