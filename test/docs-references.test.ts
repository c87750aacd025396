/**
 * The repository cites its own API reference, never an outside document. Every git-tracked
 * text file is read: none may point at the folder beside the checkout that docs/api.md was
 * written from (readers of this repository do not have it), and every `docs/api.md §N.N` it cites
 * must name a heading of docs/api.md, so a renumbered or deleted section breaks this test
 * rather than the comments that lead to it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** The outside folder's relative path, spelt so that this file does not mention it itself. */
const OUTSIDE = ["..", "shared"].join("/");

const root = path.resolve(import.meta.dirname, "..");
const API_DOC = "docs/api.md";

/** "## 8. Endpoints" → "8", "### 9.4 Assertion" → "9.4". */
export function sectionNumbers(markdown: string): Set<string> {
  const numbers = new Set<string>();
  for (const m of markdown.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.?\s/gm)) numbers.add(m[1]);
  return numbers;
}

/**
 * Every section a text cites as `docs/api.md §…`, including the later members of a list or
 * range in the same citation: `docs/api.md §8.6–§8.9, §8.14 and §9` cites five sections.
 */
export function citedSections(text: string): string[] {
  const cited: string[] = [];
  const citation = /docs\/api\.md((?:(?:\s*[,–-]\s*|\s+and\s+|\s+)?§\d+(?:\.\d+)*(?:,?\s+(?:steps?|rows?|items?)\s+\d+(?:\s*(?:–|-|and)\s*\d+)?)?)+)/g;
  for (const m of text.matchAll(citation)) {
    for (const s of m[1].matchAll(/§(\d+(?:\.\d+)*)/g)) cited.push(s[1].replace(/\.$/, ""));
  }
  return cited;
}

/** Files git tracks, minus binary ones (a NUL byte in the first 8 KB) and the lock file. */
function trackedTextFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return listed
    .split("\0")
    .filter((f) => f !== "" && f !== "package-lock.json")
    .filter((f) => {
      const full = path.join(root, f);
      if (!fs.existsSync(full) || !fs.statSync(full).isFile()) return false;
      const head = Buffer.alloc(8192);
      const fd = fs.openSync(full, "r");
      const n = fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      return !head.subarray(0, n).includes(0);
    });
}

/** `file:line: text` for every line of `text` matching `test`. */
function offendingLines(file: string, text: string, test: (line: string) => string | null): string[] {
  return text.split("\n").flatMap((line, i) => {
    const why = test(line);
    return why ? [`${file}:${i + 1}: ${why}`] : [];
  });
}

describe("references to documentation", () => {
  const sections = sectionNumbers(fs.readFileSync(path.join(root, API_DOC), "utf8"));
  const files = trackedTextFiles();
  // This file names the forbidden strings in order to look for them.
  const self = path.relative(root, import.meta.filename);

  it("reads the section headings of docs/api.md", () => {
    for (const n of ["0", "3.1", "8.9", "9.4", "11", "12"]) expect(sections, `§${n}`).toContain(n);
  });

  it("parses citations, lists and ranges included", () => {
    expect(citedSections("(docs/api.md §9.4 step 8)")).toEqual(["9.4"]);
    expect(citedSections("Reference: docs/api.md §7.3, §7.4, §8.6–§8.9, §8.14–§8.20 and §9.")).toEqual(
      ["7.3", "7.4", "8.6", "8.9", "8.14", "8.20", "9"],
    );
    expect(citedSections("(docs/api.md §11, row 14) and (docs/api.md §12 item 14)")).toEqual(["11", "12"]);
    expect(citedSections("docs/api.md says nothing here")).toEqual([]);
  });

  it("finds the tracked text files", () => {
    expect(files).toContain(API_DOC);
    expect(files).toContain("lib/verify/challenges/approve.ts");
  });

  it("no tracked file points at the outside material beside the checkout", () => {
    const offenders = files
      .filter((f) => f !== self)
      .flatMap((f) =>
        offendingLines(f, fs.readFileSync(path.join(root, f), "utf8"), (line) =>
          line.includes(OUTSIDE) ? `mentions ${OUTSIDE}` : null,
        ),
      );
    expect(offenders).toEqual([]);
  });

  it(`every "docs/api.md §N" citation names a heading of docs/api.md`, () => {
    const offenders = files
      .filter((f) => f !== self)
      .flatMap((f) =>
        offendingLines(f, fs.readFileSync(path.join(root, f), "utf8"), (line) => {
          const missing = citedSections(line).filter((n) => !sections.has(n));
          return missing.length ? `cites ${missing.map((n) => `§${n}`).join(", ")}, which docs/api.md does not have` : null;
        }),
      );
    expect(offenders).toEqual([]);
  });
});
