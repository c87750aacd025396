#!/usr/bin/env node
// `npm test`: every check the project has, in one command, in this order:
//   lint → typecheck → unit/behaviour (Vitest) → production build → security suite (with its
//   browser proofs) → contract + e2e (Playwright) → benchmark smoke run.
// Each step's output streams as it runs, and a failing step does not stop the next one, so one
// run shows everything that is broken. The last line is always `N passed, M failed`, and the
// exit code is non-zero when anything failed. Lint, typecheck and build count as one test each.
// Every step has a time limit, so a hung step (a server that never answers) fails the run with
// a summary instead of holding CI until CI's own limit.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BROWSER_ENV, findChromium } from "../e2e/helpers/browser.mjs";
import { createSteps, playwrightCounts, readJson, vitestCounts } from "./steps.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = path.join(root, "test-results");
const vitestJson = path.join(resultsDir, "vitest.json");
const playwrightJson = path.join(resultsDir, "playwright.json");

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function banner(text) {
  console.log(`\n━━━ ${text} ━━━`);
}

/**
 * Minutes each step may take at most: several times what it takes on a 2-core machine, and
 * all of them together within TEST_BUDGET_MINUTES (default 75, under CI's 90 with the install).
 */
const { run, record, recordRunner, single, summary } = createSteps({
  cwd: root,
  // Shared, not copied: the browser path is added to it once it is known.
  env,
  limits: { eslint: 5, tsc: 5, vitest: 15, "next build": 15, security: 30, browser: 10, playwright: 30, "bench smoke": 8 },
  budgetMinutes: Number(process.env.TEST_BUDGET_MINUTES || 75),
  budgetName: "npm test",
  banner,
  stdin: "inherit",
});

/**
 * A step that is a suite of its own (scripts/security.mjs, the benchmark smoke run): its
 * output streams through, and its own closing `N passed, M failed` line is counted.
 */
async function suite(name, command, args) {
  banner(name);
  let tail = "";
  const { code, note } = await run(name, command, args, {
    onStdout: (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString("utf8")).slice(-4096);
    },
  });
  const lines = tail.trim().split("\n");
  const m = /^(\d+) passed, (\d+) failed/.exec(lines.at(-1) ?? "");
  recordRunner(name, code, m && { passed: Number(m[1]), failed: Number(m[2]), note: "" }, note, "no summary line");
  return code === 0;
}

async function vitest() {
  const name = "vitest";
  banner(`${name} (unit and behaviour tests)`);
  fs.rmSync(vitestJson, { force: true });
  const { code, note } = await run(name, bin("vitest"), [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${path.relative(root, vitestJson)}`,
  ]);
  recordRunner(name, code, vitestCounts(readJson(vitestJson)), note, "no JSON report");
}

function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/**
 * Finds a Chromium for the browser specs, installing Debian's package when that is possible
 * (root with apt-get: CI containers). Returns the path, or undefined after explaining what to run.
 */
async function ensureBrowser() {
  banner("browser for the Playwright specs");
  let found = findChromium();
  if (!found) {
    const isRoot = process.getuid?.() === 0;
    if (isRoot && hasCommand("apt-get")) {
      console.log("No Chromium found; installing Debian's chromium package (apt-get).");
      const aptEnv = { DEBIAN_FRONTEND: "noninteractive" };
      const updated = (await run("browser", "apt-get", ["update"], { extraEnv: aptEnv })).code === 0;
      if (updated) await run("browser", "apt-get", ["install", "-y", "chromium"], { extraEnv: aptEnv });
      found = findChromium();
    }
  }
  if (!found) {
    console.error(
      [
        "No Chromium is available for Playwright. Install one, then run `npm test` again:",
        "  npx playwright install chromium          (machines with internet access)",
        "  sudo apt-get update && sudo apt-get install -y chromium   (Debian/Ubuntu)",
        `or point ${BROWSER_ENV} at an existing Chromium/Chrome binary.`,
      ].join("\n"),
    );
    return undefined;
  }
  console.log(`Using ${found.source === "playwright" ? "Playwright's" : found.source === "system" ? "the system" : `${BROWSER_ENV}'s`} Chromium: ${found.path}`);
  return found.path;
}

async function playwright(browserPath) {
  const name = "playwright";
  banner(`${name} (contract and end-to-end tests)`);
  fs.rmSync(playwrightJson, { force: true });
  // --pass-with-no-tests: a project whose specs are not written yet must not fail the run.
  const { code, note } = await run(name, bin("playwright"), ["test", "--pass-with-no-tests", "--project=verify-api", "--project=owlbank"], {
    extraEnv: { [BROWSER_ENV]: browserPath },
  });
  recordRunner(name, code, playwrightCounts(readJson(playwrightJson)), note, "no JSON report");
}

const started = Date.now();
fs.mkdirSync(resultsDir, { recursive: true });

await single("eslint", bin("eslint"), ["."]);
await single("tsc", bin("tsc"), ["--noEmit"]);
await vitest();
const built = await single("next build", bin("next"), ["build"]);

if (!built) {
  // Serving an older build would test code that is not the code in front of us.
  record("security", 0, 1, "not run: the production build failed");
  record("playwright", 0, 1, "not run: the production build failed");
} else {
  // The security suite's findings run in a browser too, so the browser comes first.
  const browserPath = await ensureBrowser();
  if (browserPath) env[BROWSER_ENV] = browserPath;
  await suite("security", process.execPath, [path.join(root, "scripts", "security.mjs")]);
  if (browserPath) await playwright(browserPath);
  else record("playwright", 0, 1, "not run: no Chromium (see the message above)");
  // A few seconds per endpoint so the benchmark never rots; it asserts no speed.
  await suite("bench smoke", bin("tsx"), [path.join(root, "bench", "run.ts"), "--smoke"]);
}

summary(`summary (${((Date.now() - started) / 1000).toFixed(0)}s)`);
