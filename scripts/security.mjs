#!/usr/bin/env node
// `npm run test:security`: the security suite (test/security/**/*.security.ts) in one command,
// on SQLite (the default) or, with OWLBANK_TEST_ENGINE=postgres, on PostgreSQL:
//
//   node scripts/security.mjs                               SQLite
//   OWLBANK_TEST_ENGINE=postgres node scripts/security.mjs  PostgreSQL (embedded servers, started here
//                                                            and by test/global-setup.ts; or the one
//                                                            OWLBANK_TEST_POSTGRES_URL names)
//
//   fuzz          ≥ FUZZ_RUNS (default 10,000) generated requests at every /v2 endpoint, in process
//   attacks       the attack catalogue, each refused with its Twilio code and no database change
//   concurrency   races against the production server over HTTP (and in process)
//   crash         SIGKILL of the production server mid-load, CRASH_ROUNDS (default 3) times; on
//                 PostgreSQL also SIGKILL of PostgreSQL mid-load as many times: 503 (20503) while
//                 it is down, recovery without restarting the application, no acknowledged write lost
//   findings      the session review's six findings (issue #12), each proven fixed: production
//                 servers driven over HTTP here, and in a browser by Playwright's `security`
//                 project (e2e/security/*.spec.ts, titles "finding N: …")
//
// The HTTP parts need a production build; one is made when .next/BUILD_ID is missing (`npm test`
// builds before it runs this). Extra arguments go to Vitest (e.g. a file filter). The output ends
// with one summary table and the line `N passed, M failed`; the exit code is non-zero when any
// test failed or any counter in the table shows a failure. Reports go to
// test-results/security-<engine>{.json,-playwright.json,-metrics.jsonl}, so a SQLite run and a
// PostgreSQL run back to back keep both; two runs of one engine must not overlap.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres } from "./postgres.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const engine = process.env.OWLBANK_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";
const engineName = engine === "postgres" ? "PostgreSQL" : "SQLite";
const resultsDir = path.join(root, "test-results");
const reportFile = path.join(resultsDir, `security-${engine}.json`);
const browserReportFile = path.join(resultsDir, `security-${engine}-playwright.json`);
const metricsFile = path.join(resultsDir, `security-${engine}-metrics.jsonl`);
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

function run(command, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`Could not start ${command}: ${error.message}`);
      resolve(1);
    });
    child.on("close", (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function readMetrics(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

const started = Date.now();
fs.mkdirSync(resultsDir, { recursive: true });
fs.rmSync(reportFile, { force: true });
fs.rmSync(metricsFile, { force: true });

const buildId = path.join(root, ".next", "BUILD_ID");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes sure a production build exists. When `next build` refuses because another build is
 * running (others share this checkout), waits up to 10 minutes for that build's BUILD_ID,
 * then tries once more.
 */
async function ensureBuild() {
  if (fs.existsSync(buildId)) return true;
  console.log("━━━ no production build (.next/BUILD_ID): building it ━━━");
  if ((await run(bin("next"), ["build"])) === 0) return true;
  console.log("next build failed; waiting up to 10 minutes in case another build is running…");
  for (let waited = 0; waited < 600_000 && !fs.existsSync(buildId); waited += 5000) await sleep(5000);
  if (fs.existsSync(buildId)) return true;
  return (await run(bin("next"), ["build"])) === 0;
}

const buildFailed = !(await ensureBuild());
if (buildFailed) console.error("next build failed: the production-server tests will fail to start.");

console.log(`━━━ vitest: test/security (fuzz, attacks, concurrency, crash) on ${engineName} ━━━`);
const code = await run(
  bin("vitest"),
  [
    "run",
    "--config",
    "test/security/vitest.config.ts",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${path.relative(root, reportFile)}`,
    ...process.argv.slice(2),
  ],
  { SECURITY_METRICS_FILE: metricsFile, OWLBANK_TEST_ENGINE: engine },
);

/** A free TCP port on this machine. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The browser proofs need the same build; Playwright starts its own production server. A filtered
// run (arguments for Vitest) leaves them out.
const filtered = process.argv.length > 2;
let browserCode = 0;
if (!filtered) {
  console.log(`━━━ playwright: e2e/security (the session review's findings, in a browser) on ${engineName} ━━━`);
  fs.rmSync(browserReportFile, { force: true });
  // A port of its own, so a server another run left on the default port is never reused.
  const browserEnv = { PLAYWRIGHT_JSON_OUTPUT_NAME: browserReportFile, OWLBANK_TEST_ENGINE: engine, PORT: String(await freePort()) };
  let postgres;
  try {
    if (engine === "postgres") {
      // Playwright's webServer runs on this database (e2e-reset.mjs recreates it empty first);
      // the specs' own servers (test/helpers/server.ts) get fresh databases beside it.
      postgres = await startPostgres();
      browserEnv.OWLBANK_E2E_DATABASE_URL = await postgres.createDatabase("owlbank_e2e_security");
      browserEnv.OWLBANK_TEST_POSTGRES_ADMIN_URL = postgres.adminUrl;
    }
    browserCode = await run(bin("playwright"), ["test", "--project=security", "--reporter=list,json"], browserEnv);
  } catch (error) {
    console.error(`Could not run the browser proofs on ${engineName}: ${error?.stack ?? error}`);
    browserCode = 1;
  } finally {
    await postgres?.stop().catch((error) => console.error(`Could not stop PostgreSQL: ${error.message}`));
  }
}

/** Every test of a Playwright JSON report, with its title path and whether it passed. */
function playwrightTests(report) {
  const out = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === "skipped") continue;
        out.push({ title: spec.title, ok: test.status === "expected" || test.status === "flaky" });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report?.suites ?? []) walk(suite, [suite.title]);
  return out;
}

const browserReport = filtered ? undefined : readJson(browserReportFile);
const browserTests = playwrightTests(browserReport);

const report = readJson(reportFile);
let passed = (report?.numPassedTests ?? 0) + browserTests.filter((t) => t.ok).length;
let failed =
  (report?.numFailedTests ?? 0) +
  // A file that fails to load, or whose beforeAll fails (its tests are then skipped), has no
  // failed test in it, but is one failure all the same.
  (report?.testResults ?? []).filter((f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed")).length;
if (!report) failed += 1;
else if (code !== 0 && failed === 0) failed += 1;
const browserFailed = browserTests.filter((t) => !t.ok).length + (browserReport?.errors?.length ?? 0);
failed += browserFailed;
if (!filtered && (!browserReport || (browserCode !== 0 && browserFailed === 0))) failed += 1;

// ── The table ──────────────────────────────────────────────────────────────────────────────
const metrics = readMetrics(metricsFile);
const of = (kind) => metrics.filter((m) => m.kind === kind);
const distinct = (items) => new Set(items).size;

const fuzz = of("fuzz");
const sum = (items, key) => items.reduce((n, m) => n + m[key], 0);
const inProcess = fuzz.filter((m) => m.transport !== "http");
const overHttp = fuzz.filter((m) => m.transport === "http");
const fuzzed = sum(fuzz, "requests");
const fuzzBad = sum(fuzz, "failures");
const wantedRuns = Math.max(Number(process.env.FUZZ_RUNS ?? 10_000) || 10_000, 100);

const attacks = of("attack");
const tried = distinct(attacks.filter((m) => m.phase === "tried").map((m) => m.name));
const refused = distinct(attacks.filter((m) => m.phase === "refused").map((m) => m.name));
const knownBugs = [...new Set(of("known-bug").map((m) => m.name))];

const races = of("race");
const single = races.filter((r) => r.expected === 1);
const singleWon = single.filter((r) => r.winners === 1);
const monotonic = races.filter((r) => r.expected === 0);
const monotonicOk = monotonic.filter((r) => r.winners === 1);
const allSucceed = races.filter((r) => r.expected > 1);
const allSucceedOk = allSucceed.filter((r) => r.winners === r.expected);

const crashes = of("crash");
const survived = crashes.filter((c) => c.lost === 0 && c.integrity === "ok");
const acknowledged = Math.max(0, ...crashes.map((c) => c.acknowledged));
const serverKills = crashes.filter((c) => c.killed !== "postgres");
const databaseKills = crashes.filter((c) => c.killed === "postgres");
const outages = of("outage");
const outagesOk = outages.filter((o) => o.bad === 0 && o.recoveredMs >= 0);

// One row per finding of the session review: HTTP proofs (metrics) and browser proofs (titles).
const FINDINGS = {
  1: "step-up belongs to one session",
  2: "a copied cookie dies with its session",
  3: "codes strangers cannot spoil",
  4: "credentials as configured, nothing more",
  5: "user verification on every ceremony",
  6: "no live codes at rest",
};
const findingProofs = [
  ...of("finding").map((m) => ({ finding: m.finding, ok: m.held })),
  ...browserTests.flatMap((t) => {
    const m = /^finding (\d+):/.exec(t.title);
    return m ? [{ finding: Number(m[1]), ok: t.ok }] : [];
  }),
];
const findingRows = Object.entries(FINDINGS).map(([n, label]) => {
  const proofs = findingProofs.filter((p) => p.finding === Number(n));
  const held = proofs.filter((p) => p.ok).length;
  return [`finding ${n}: ${label}`, `${held} / ${proofs.length}`, proofs.length > 0 && held === proofs.length, "proofs held / run"];
});

const rows = [
  [
    "requests fuzzed",
    fuzzed.toLocaleString("en-US"),
    fuzzBad === 0 && (inProcess.length === 0 || sum(inProcess, "requests") >= wantedRuns),
    `${sum(inProcess, "requests").toLocaleString("en-US")} in process + ${sum(overHttp, "requests").toLocaleString("en-US")} over HTTP; ${fuzzBad} bad answers; seed ${[...new Set(fuzz.map((m) => m.seed))].join(",") || "-"}`,
  ],
  ["attacks tried / refused", `${tried} / ${refused}`, tried > 0 && refused === tried, "right Twilio code, database unchanged"],
  ["concurrent races run / won by exactly one", `${single.length} / ${singleWon.length}`, single.length > 0 && singleWon.length === single.length, `+ counter races without a backwards step ${monotonicOk.length}/${monotonic.length}, all-succeed races ${allSucceedOk.length}/${allSucceed.length}`],
  [
    "crash rounds survived, 0 lost acked writes",
    `${survived.length} / ${crashes.length}`,
    crashes.length > 0 && survived.length === crashes.length,
    `${serverKills.length} server kills${engine === "postgres" ? ` + ${databaseKills.length} PostgreSQL kills` : ""}; ${acknowledged} acknowledged writes re-checked after the last kill; ${crashes.map((c) => c.inFlight).join("/") || "-"} requests in flight at each kill`,
  ],
  // PostgreSQL's own kills need a server this run started (not OWLBANK_TEST_POSTGRES_URL's).
  ...((engine === "postgres" && !process.env.OWLBANK_TEST_POSTGRES_URL) || outages.length
    ? [
        [
          "PostgreSQL down: 503 in time / recovered",
          `${outagesOk.length} / ${outages.length}`,
          outages.length > 0 && outagesOk.length === outages.length,
          `${sum(outages, "answers")} answers while down, ${sum(outages, "bad")} not a clean 503 (20503) within 10 s, slowest ${Math.max(0, ...outages.map((o) => o.slowestMs))} ms; served again ${outages.map((o) => (o.recoveredMs >= 0 ? `${(o.recoveredMs / 1000).toFixed(1)}s` : "never")).join("/") || "-"} after each restart`,
        ],
      ]
    : []),
  ["known API bugs (expected failures)", `${knownBugs.length}`, true, knownBugs.length ? "see [known bug] tests" : ""],
  ...findingRows,
];

// A counter that shows a failure the tests did not (e.g. a filtered run) still fails the run,
// unless that part was filtered out entirely (no metric of that kind at all).
for (const [name, , ok] of rows) {
  const present =
    (name.startsWith("requests") && fuzz.length) ||
    (name.startsWith("attacks") && attacks.length) ||
    (name.startsWith("concurrent") && races.length) ||
    (name.startsWith("crash") && crashes.length) ||
    (name.startsWith("PostgreSQL down") && outages.length) ||
    (name.startsWith("finding") && findingProofs.length) ||
    name.startsWith("known");
  if (!ok && (present || !filtered) && failed === 0) failed += 1;
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\n━━━ security summary on ${engineName} (${((Date.now() - started) / 1000).toFixed(0)}s) ━━━`);
for (const [name, value, ok, note] of rows) {
  console.log(`${ok ? "ok  " : "FAIL"} ${name.padEnd(width)}  ${String(value).padStart(9)}${note ? `   (${note})` : ""}`);
}
for (const name of knownBugs) console.log(`     known bug: ${name}`);
if (buildFailed) console.log("FAIL next build");
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || buildFailed ? 1 : 0;
