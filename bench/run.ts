/**
 * `npm run bench`: how fast a ceremony is, as ratios against the framework's own floor
 * measured in the same run on the same machine (this machine is shared and noisy).
 *
 * `--smoke` runs every measurement once, briefly, so CI keeps the benchmark working without
 * asserting any speed.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Server, startServer } from "../test/helpers/server";
import { approved, CONNECTIONS, createService, type Measurement, measure, prepareAssertions, prepareRegistrations, verified } from "./api";
import { measureBrowser, type BrowserFigures } from "./browser";
import { chart } from "./chart";

const smoke = process.argv.includes("--smoke");
const ROUNDS = smoke ? 1 : 3;
const SECONDS = smoke ? 2 : 4;
/**
 * Prepared ceremonies per round: several seconds of load at the rates seen here, few enough
 * that preparing them keeps the whole run (build included) under the five minutes.
 */
const CEREMONIES = smoke ? 300 : 2000;
/**
 * The whole run's limit (the issue asks for under 5 minutes on a fresh clone, build included).
 * Past it the run fails with what it was doing rather than holding CI until CI's own limit.
 */
const DEADLINE_MS = (smoke ? 5 : 15) * 60_000;

const FLOOR = "Floor (GET /api/health)";
const REFUSED = "ApproveChallenge refused at step 1 (1 KB body read)";
const APPROVE = "ApproveChallenge";
const VERIFY = "VerifyFactor";

type Summary = { median: number; min: number; max: number };
type Endpoint = {
  name: string;
  rounds: Measurement[];
  rps: Summary;
  p50: number;
  p99: number;
  max: number;
  p99AllRequests: number;
  firstRequestMax: number;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summarise = (xs: number[]): Summary => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

function endpoint(name: string, rounds: Measurement[]): Endpoint {
  return {
    name,
    rounds,
    rps: summarise(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    p99AllRequests: median(rounds.map((r) => r.p99AllRequests)),
    firstRequestMax: Math.max(...rounds.map((r) => r.firstRequestMax)),
  };
}

function ensureBuild(): void {
  if (fs.existsSync(".next/BUILD_ID")) return;
  console.log("No production build found: running next build…");
  const result = spawnSync("node_modules/.bin/next", ["build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed");
}

let server: Server | undefined;
let stage = "starting";

async function main() {
  ensureBuild();
  // The per-account limit protects production; here it would measure the limiter, not the work.
  // The browser run's sign-up reads its code from the local outbox (bench/browser.ts).
  server = await startServer({ env: { VERIFY_RATE_LIMIT_PER_MINUTE: "100000000", OWLBANK_DEV_OUTBOX: "1" } });
  const endpoints: Endpoint[] = [];
  let browser: BrowserFigures | undefined;
  try {
    const serviceSid = await createService(server);
    const base = `/v2/Services/${serviceSid}`;
    const identity = randomUUID();

    stage = "warm-up";
    console.log("Warming up…");
    await measure(server, { method: "GET", path: "/api/health", seconds: smoke ? 1 : 3 });
    await measure(server, { method: "POST", path: `${base}/Passkeys/ApproveChallenge`, bodies: await prepareAssertions(server, serviceSid, 200), success: approved });
    await measure(server, { method: "POST", path: `${base}/Passkeys/VerifyFactor`, bodies: await prepareRegistrations(server, serviceSid, 200), success: verified });

    const rounds: Record<string, Measurement[]> = { floor: [], fetch: [], refused: [], approve: [], verify: [], challenges: [], factors: [] };
    // The size of a real assertion, refused at the first check: what reading and parsing a
    // POST body costs before any WebAuthn or database work.
    const refusedEarly = JSON.stringify({ type: "public-key", id: "A".repeat(900), response: null });
    const measureFloor = (on: Server) => measure(on, { method: "GET", path: "/api/health", count: CEREMONIES });
    for (let round = 1; round <= ROUNDS; round++) {
      stage = `round ${round}`;
      console.log(`Round ${round}/${ROUNDS}: preparing ${CEREMONIES} signed assertions and ${CEREMONIES} attestations…`);
      const assertions = await prepareAssertions(server, serviceSid, CEREMONIES);
      const registrations = await prepareRegistrations(server, serviceSid, CEREMONIES);
      // A batch the size of the ceremony batches, so both p99s come from the same pattern of
      // load (50 connections opened at once, drained to the last answer). Measured before and
      // after the API rows: this machine's speed drifts within minutes, so every row is compared
      // with its own round's floor.
      rounds.floor.push(await measureFloor(server));
      rounds.fetch.push(await measure(server, { method: "GET", path: base, seconds: SECONDS }));
      rounds.refused.push(
        await measure(server, {
          method: "POST",
          path: `${base}/Passkeys/ApproveChallenge`,
          body: () => refusedEarly,
          seconds: SECONDS,
          success: (status, body) => status === 400 && body.includes("60378"),
        }),
      );
      rounds.approve.push(await measure(server, { method: "POST", path: `${base}/Passkeys/ApproveChallenge`, bodies: assertions, success: approved }));
      rounds.verify.push(await measure(server, { method: "POST", path: `${base}/Passkeys/VerifyFactor`, bodies: registrations, success: verified }));
      rounds.challenges.push(await measure(server, { method: "POST", path: `${base}/Passkeys/Challenges`, body: () => "{}", seconds: SECONDS }));
      rounds.factors.push(
        await measure(server, {
          method: "POST",
          path: `${base}/Passkeys/Factors`,
          body: () => JSON.stringify({ friendly_name: "Bench passkey", identity }),
          seconds: SECONDS,
        }),
      );
      rounds.floor.push(await measureFloor(server));
    }
    endpoints.push(
      endpoint(FLOOR, rounds.floor),
      endpoint("Service fetch (auth, one read, 1 KB of JSON)", rounds.fetch),
      endpoint(REFUSED, rounds.refused),
      endpoint(APPROVE, rounds.approve),
      endpoint(VERIFY, rounds.verify),
      endpoint("Challenges create", rounds.challenges),
      endpoint("Passkeys Factors create", rounds.factors),
    );
    stage = "browser";
    browser = await measureBrowser(server.url, server.dbFile, smoke ? 3 : 20);
  } finally {
    await server.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  report(endpoints, browser);
  return sanity(endpoints, browser);
}

/**
 * What must hold for the numbers to mean anything (never a speed): every endpoint answered
 * with real successes and no transport errors, and the browser journey completed. Printed as
 * the `N passed, M failed` line `npm test` counts for the smoke run.
 */
function sanity(endpoints: Endpoint[], browser: BrowserFigures | undefined): boolean {
  const checks = [
    ...endpoints.map((e) => ({
      what: `${e.name}: successes, no errors, not cut short`,
      ok: e.rounds.every((r) => r.successes > 0 && r.errors === 0 && !r.cutShort),
    })),
    { what: "browser journey measured", ok: Boolean(browser && browser.signInJsGzipBytes > 0 && browser.clickToDashboardMs.length > 0) },
  ];
  for (const c of checks.filter((c) => !c.ok)) console.log(`FAIL ${c.what}`);
  const passed = checks.filter((c) => c.ok).length;
  console.log(`${passed} passed, ${checks.length - passed} failed`);
  return passed === checks.length;
}

const byName = (endpoints: Endpoint[], name: string) => endpoints.find((e) => e.name === name) as Endpoint;

/** Round i's floor: the mean of the floor measured before and after that round's API rows. */
const floorOfRound = (floor: Endpoint, i: number, of: (m: Measurement) => number) =>
  (of(floor.rounds[2 * i]) + of(floor.rounds[2 * i + 1])) / 2;

/** `of(row) / of(floor)` in each round against that round's floor; the median over rounds. */
function perRound(e: Endpoint, floor: Endpoint, of: (m: Measurement) => number): number {
  if (e === floor) return 1;
  return median(e.rounds.map((m, i) => of(m) / floorOfRound(floor, i, of)));
}

/**
 * Where an ApproveChallenge's time goes, in milliseconds of a saturated server per request
 * (1000 / successes per second), by difference between rows measured in the same run.
 */
function gap(endpoints: Endpoint[]): string[] {
  const floorRow = byName(endpoints, FLOOR);
  const rounds = byName(endpoints, APPROVE).rounds.map((_, i) => {
    const ms = (name: string) => 1000 / byName(endpoints, name).rounds[i].rps;
    return { floor: 1000 / floorOfRound(floorRow, i, (m) => m.rps), refused: ms(REFUSED), approve: ms(APPROVE) };
  });
  const of = (part: (r: (typeof rounds)[number]) => number) => median(rounds.map(part));
  const floor = of((r) => r.floor);
  const refused = floor + of((r) => r.refused - r.floor);
  const approve = refused + of((r) => r.approve - r.refused);
  const fmt = (x: number) => `${x.toFixed(2)} ms`;
  return [
    `Where ApproveChallenge's ${fmt(approve)} per request goes (server time at saturation, by difference between rows of the same round; medians over rounds):`,
    `- ${fmt(floor)}: Next's own handling of any request (the floor).`,
    `- ${fmt(refused - floor)}: a POST with a 1 KB body through Next, Basic auth (SHA-256 of the token, one read), the Service read, JSON parsing and an error body (refused at step 1 − floor).`,
    `- ${fmt(approve - refused)}: the WebAuthn checks (client data, RP ID hash, flags, counter, ECDSA P-256 verify with a cached key, its curve arithmetic on a pool thread), three indexed reads, the guarded transaction and the 1.5 KB Challenge body (ApproveChallenge − refused at step 1).`,
  ];
}

/**
 * Each ceremony against the POST refused at its first check, round by round: the same body size
 * through the same route edge (Next's POST handling, Basic auth, the Service read, JSON parsing),
 * so the ratio is what the WebAuthn work and its writes leave of a request of the same shape.
 */
function sameShape(endpoints: Endpoint[]): string[] {
  const refused = byName(endpoints, REFUSED);
  const ratio = (name: string) => median(byName(endpoints, name).rounds.map((m, i) => m.rps / refused.rounds[i].rps));
  return [
    "Against a request of the same shape instead of the GET floor (the issue's targets stay against the floor):",
    `- ApproveChallenge / refused at step 1: ${ratio(APPROVE).toFixed(2)} (the floor's target is 0.8).`,
    `- VerifyFactor / refused at step 1: ${ratio(VERIFY).toFixed(2)} (the floor's target is 0.7).`,
  ];
}

function report(endpoints: Endpoint[], browser: BrowserFigures | undefined) {
  const floor = byName(endpoints, FLOOR);
  const approve = byName(endpoints, APPROVE);
  const ratio = (e: Endpoint) => perRound(e, floor, (m) => m.rps);
  const atLeast = (what: string, value: number, goal: number) => ({ what, value, target: `>= ${goal}`, ok: value >= goal });
  const atMost = (what: string, value: number, goal: number) => ({ what, value, target: `<= ${goal}`, ok: value <= goal });
  const targets = [
    atLeast("ApproveChallenge throughput / floor", ratio(approve), 0.8),
    atLeast("VerifyFactor throughput / floor", ratio(byName(endpoints, VERIFY)), 0.7),
    atMost("ApproveChallenge p99 / floor p99 (established connections)", perRound(approve, floor, (m) => m.p99), 1.5),
  ];
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `# Benchmark ${date}${smoke ? " (smoke run: not a measurement)" : ""}`,
    "",
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}. ` +
      `${CONNECTIONS} connections, load generator in the same machine, ${ROUNDS} round(s); medians with [min–max]. ` +
      "Ratios compare each row with the floor of the same round (measured before and after its API rows), median over rounds.",
    "",
    "| Endpoint | Successes/s (median [min–max]) | × floor | p50 ms | p99 ms | max ms | p99 ms, all requests | slowest first request ms |",
    "|---|---|---|---|---|---|---|---|",
    ...endpoints.map(
      (e) =>
        `| ${e.name} | ${e.rps.median.toFixed(0)} [${e.rps.min.toFixed(0)}–${e.rps.max.toFixed(0)}] | ${ratio(e).toFixed(2)} | ${e.p50} | ${e.p99} | ${e.max} | ${e.p99AllRequests} | ${e.firstRequestMax} |`,
    ),
    "",
    "| Target | Value | Goal | Met |",
    "|---|---|---|---|",
    ...targets.map((t) => `| ${t.what} | ${t.value.toFixed(2)} | ${t.target} | ${t.ok ? "yes" : "no"} |`),
  ];
  if (browser) {
    lines.push(
      `| Sign-in page JavaScript (gzip) | ${(browser.signInJsGzipBytes / 1024).toFixed(1)} KB (framework floor ${(browser.frameworkJsGzipBytes / 1024).toFixed(1)} KB) | <= 120 KB | ${browser.signInJsGzipBytes <= 120 * 1024 ? "yes" : "no"} |`,
      `| Click "Sign in with Face ID" → dashboard (median of ${browser.clickToDashboardMs.length}) | ${median(browser.clickToDashboardMs).toFixed(0)} ms | <= 300 ms | ${median(browser.clickToDashboardMs) <= 300 ? "yes" : "no"} |`,
    );
  }
  lines.push(
    "",
    "What the ratios mean:",
    "- Floor: the same load on a route that reads nothing: what Next's router costs per request here. Sent as a batch the size of the ceremony batches, so its p99 compares with theirs, at the start and the end of every round.",
    `- Latency: p50, p99 and max are of requests on established connections. Each connection's first request is apart (last two columns): a saturated Node server accepts one new connection per turn of its event loop, so of 50 connections opened at once the last waits seconds on a heavy route. Counting those, ApproveChallenge's p99 is ${perRound(approve, floor, (m) => m.p99AllRequests).toFixed(2)}× the floor's.`,
    `- ApproveChallenge p99 / floor p99: with 50 connections always busy, a request mostly waits for the requests queued ahead of it, so latency follows the time per request: ApproveChallenge's p50 is ${perRound(approve, floor, (m) => m.p50).toFixed(2)}× the floor's, for ${(1 / ratio(approve)).toFixed(2)}× the server time per request.`,
    "- ApproveChallenge / floor: the share of the floor left after a full assertion check (client data, RP ID hash, flags, counter, ECDSA verify) and one guarded SQLite transaction (WAL, synchronous=NORMAL).",
    "- VerifyFactor / floor: the same for registration: CBOR decoding of the attestation, COSE key parsing, and the insert of a credential.",
    "- Framework floor (JavaScript): what Next's own 404 page ships under the root layout, with no client component of ours (React DOM and Next's router); the sign-in page's own code (its panel, @simplewebauthn/browser, Link and OwlBank's error boundary) is the difference.",
    "- Click → dashboard: timed in the page, from the click event to the first frame with the dashboard's heading: one request to next-auth (which asks Verify's ApproveChallenge), then the dashboard's RSC payload and its two chunks.",
    "- Service fetch and ApproveChallenge refused at step 1 are not targets: they split the gap below.",
    "",
    ...gap(endpoints),
    "",
    ...sameShape(endpoints),
  );
  const markdown = `${lines.join("\n")}\n`;
  console.log(`\n${markdown}`);
  if (smoke) return;
  const dir = path.join("bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${date}.md`), markdown);
  fs.writeFileSync(path.join(dir, `${date}.json`), `${JSON.stringify({ date, machine, connections: CONNECTIONS, rounds: ROUNDS, endpoints, targets, browser }, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, `${date}.svg`), chart(endpoints.map((e) => ({ name: e.name, rps: e.rps.median, p99: e.p99 }))));
  console.log(`Wrote ${dir}/${date}.{md,json,svg}`);
}

/** Ends a run that cannot finish: says where it was and what the server printed, then fails. */
async function abandon(reason: unknown): Promise<never> {
  console.error(`The benchmark failed during ${stage}:`, reason);
  if (server) {
    const ended = server.ended();
    console.error(ended ? `The server had ended (${ended}).` : "The server was still running.");
    console.error(`Last server output:\n${server.output().slice(-4000)}`);
    await server.kill();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const deadline = setTimeout(() => void abandon(`no end after ${DEADLINE_MS / 60_000} minutes`), DEADLINE_MS);
deadline.unref();

main().then((ok) => process.exit(ok ? 0 : 1), abandon);
