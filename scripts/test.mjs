#!/usr/bin/env node
// `npm test`: every check the project has, in one command, in this order:
//   lint → typecheck → unit/behaviour (Vitest) → production build → security suite (with its
//   browser proofs) → contract + e2e (Playwright) → benchmark smoke run.
// Each step's output streams as it runs, and a failing step does not stop the next one, so one
// run shows everything that is broken. The last line is always `N passed, M failed`, and the
// exit code is non-zero when anything failed. Lint, typecheck and build count as one test each.
// Every step has a time limit, so a hung step (a server that never answers) fails the run with
// a summary instead of holding CI until CI's own limit.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BROWSER_ENV, findChromium } from "../e2e/helpers/browser.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = path.join(root, "test-results");
const vitestJson = path.join(resultsDir, "vitest.json");
const playwrightJson = path.join(resultsDir, "playwright.json");

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const bin = (name) => path.join(root, "node_modules", ".bin", name);

/** One line per step for the closing table. */
const steps = [];
let passed = 0;
let failed = 0;

function record(name, p, f, note = "") {
  passed += p;
  failed += f;
  steps.push({ name, passed: p, failed: f, note });
}

function banner(text) {
  console.log(`\n━━━ ${text} ━━━`);
}

/**
 * Minutes each step may take at most: several times what it takes on a 2-core machine, and
 * all of them together within TEST_BUDGET_MINUTES (default 75, under CI's 90 with the install).
 */
const LIMIT_MINUTES = { eslint: 5, tsc: 5, vitest: 15, "next build": 15, security: 30, browser: 10, playwright: 30, "bench smoke": 8 };
const budgetEnds = Date.now() + Number(process.env.TEST_BUDGET_MINUTES || 75) * 60_000;
const limitMs = (step) => Math.max(0, Math.min(LIMIT_MINUTES[step] * 60_000, budgetEnds - Date.now()));

/** The step running now, so a signal to this runner also ends it (it has its own process group). */
let current;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (current) killGroup(current.pid, "SIGKILL");
    process.exit(1);
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs a step's command in its own process group (servers it starts included) and kills that
 * group if the step outlives its limit. Resolves to `{ code, note }`: the exit code, or 1 when
 * the command could not start, was killed or timed out, with a note when it timed out or was
 * not started because the budget was spent. stdout is inherited unless `onStdout` takes it.
 */
function run(step, command, args, { extraEnv = {}, onStdout } = {}) {
  return new Promise((resolve) => {
    const limit = limitMs(step);
    if (limit === 0) {
      console.error(`Not running ${step}: the time budget of npm test is spent.`);
      return resolve({ code: 1, note: "not run: time budget spent" });
    }
    const child = spawn(command, args, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: onStdout ? ["ignore", "pipe", "inherit"] : "inherit",
      detached: true,
    });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n${step} is still running after ${Math.round(limit / 1000)} s: stopping it.`);
      killGroup(child.pid, "SIGTERM");
      setTimeout(() => killGroup(child.pid, "SIGKILL"), 10_000).unref();
    }, limit);
    if (onStdout) child.stdout.on("data", onStdout);
    const finish = (code) => {
      clearTimeout(timer);
      current = undefined;
      // Nothing a step started may outlive it (a server left behind would hold its port).
      killGroup(child.pid, "SIGKILL");
      resolve({ code, note: timedOut ? `timed out after ${Math.round(limit / 1000)} s` : "" });
    };
    child.on("error", (error) => {
      console.error(`Could not start ${command}: ${error.message}`);
      finish(1);
    });
    child.on("close", (code, signal) => finish(signal || timedOut ? 1 : (code ?? 1)));
  });
}

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

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A step that is one test: it passes when the command exits 0. */
async function single(name, command, args) {
  banner(name);
  const started = Date.now();
  const { code, note } = await run(name, command, args);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  record(name, code === 0 ? 1 : 0, code === 0 ? 0 : 1, code === 0 ? `${seconds}s` : `${note || `exit code ${code}`}, ${seconds}s`);
  return code === 0;
}

/**
 * Counts a test runner's results. A non-zero exit without any failed test (a crash, a suite
 * that would not load, a server that did not start, a time-out) still counts as one failure.
 * `stepNote` is run()'s (a time-out); `missingNote` says what was missing when nothing was counted.
 */
function recordRunner(name, code, counts, stepNote, missingNote) {
  if (!counts) {
    record(name, 0, 1, `${stepNote || missingNote} (exit code ${code})`);
    return;
  }
  const extraFailure = code !== 0 && counts.failed === 0 ? 1 : 0;
  const why = stepNote || (extraFailure ? `exit code ${code} without a failed test` : "");
  record(name, counts.passed, counts.failed + extraFailure, [why, counts.note].filter(Boolean).join("; "));
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
  const report = readJson(vitestJson);
  const counts = report && {
    passed: report.numPassedTests ?? 0,
    // A file that fails to load has no failed test in it, but is one failure all the same.
    failed:
      (report.numFailedTests ?? 0) +
      (report.testResults ?? []).filter((f) => f.status === "failed" && !f.assertionResults?.length).length,
    note: report.numPendingTests || report.numTodoTests
      ? `${(report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)} skipped`
      : "",
  };
  recordRunner(name, code, counts, note, "no JSON report");
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
  const { code, note } = await run(name, bin("playwright"), ["test", "--pass-with-no-tests", "--project=verify-api", "--project=owlbank"], { extraEnv: { [BROWSER_ENV]: browserPath } });
  const report = readJson(playwrightJson);
  const stats = report?.stats;
  const counts = stats && {
    // Flaky tests passed on a retry; retries are off, but count them as passed if enabled.
    passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
    failed: (stats.unexpected ?? 0) + (report.errors?.length ?? 0),
    note: stats.skipped ? `${stats.skipped} skipped` : "",
  };
  recordRunner(name, code, counts, note, "no JSON report");
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

banner(`summary (${((Date.now() - started) / 1000).toFixed(0)}s)`);
for (const s of steps) {
  const status = s.failed ? "FAIL" : "ok  ";
  console.log(`${status} ${s.name.padEnd(12)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(3)} failed${s.note ? `  (${s.note})` : ""}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
