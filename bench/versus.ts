/**
 * OwlBank's passkey sign-in against its peer, Better Auth's passkey plugin (bench/peer.ts),
 * measured side by side in one run (issue #15): both are Next apps on the same Next, on
 * SQLite (WAL, synchronous=NORMAL), on this machine, loaded by the same load generator.
 *
 * Two measures, each round on both sides in turn:
 *  - sign-ins: a batch of pre-signed single-use ceremonies, each started just before the
 *    batch, sent over 50 connections; only answers that issued a session count, and the
 *    session rows the batch wrote are counted in each database afterwards;
 *  - whole visits: the sign-in page, starting the ceremony, signing it and completing it, as
 *    each side's page does, a few at a time; the server's CPU per visit is the figure.
 * Each ratio (OwlBank / peer) is taken per round and the median reported, so the drift of a
 * shared machine between rounds cancels.
 */
import fs from "node:fs";
import type { Server } from "../test/helpers/server";
import { CONNECTIONS, type Measurement, measure, type Visits, VISITS_IN_FLIGHT } from "./api";
import { clearSignInSessions, type Customer, measureSignIns, prepareSignIns, signInSessions, signInVisits, signUpCustomers } from "./owlbank";
import {
  clearPeerSessions,
  type PeerCustomer,
  type PeerServer,
  type PeerVersions,
  peerSessionIssued,
  peerSessions,
  peerVisits,
  preparePeer,
  preparePeerSignIns,
  signUpPeerCustomers,
  startPeer,
} from "./peer";
import { endpoint, type Endpoint, judge, median, sum, type Target } from "./stats";

export type VersusSizes = {
  rounds: number;
  /** Customers on each side, signed up over HTTP; each batch spreads over them in turn. */
  customers: number;
  /** Sign-ins per batch and side. */
  signIns: number;
  /** OwlBank's warm-up sign-ins; it has already served the engine rows' thousands of requests. */
  warmUp: number;
  /** The peer's warm-up sign-ins: a fresh process, so about as many as OwlBank's has served. */
  peerWarmUp: number;
  /** Whole visits per batch and side, and the warm-up's. */
  visits: number;
  visitsWarmUp: number;
};

/** A batch of visits, with the session rows it wrote (counted in the database, then deleted). */
export type VisitBatch = Visits & { sessionRows: number };

export type Side = { signIns: Measurement[]; visits: VisitBatch[] };

export type Versus = {
  sizes: VersusSizes;
  versions?: PeerVersions;
  owlbank: Side;
  peer: Side;
  /** Why the comparison stopped, if it did (what it measured until then stays). */
  error?: string;
};

const PEER_SIGN_IN = "/api/auth/passkey/verify-authentication";

let peerReady: Promise<PeerVersions> | undefined;

/**
 * Installs and builds the peer when it needs it (bench/peer.ts's `preparePeer`), once per run.
 * Called before any measurement, so that a build never runs beside a server being measured
 * and a broken peer shows at once; the comparison awaits the same promise.
 */
export function readyPeer(): Promise<PeerVersions> {
  peerReady ??= preparePeer();
  // Awaited later; until then a failure must not end the process as an unhandled rejection.
  peerReady.catch(() => {});
  return peerReady;
}

/** The peer while it runs, so that an abandoned run can stop it. */
let peer: PeerServer | undefined;

/** Stops the peer at once and deletes its folder (an abandoned run); nothing if none runs. */
export async function killPeer(): Promise<void> {
  const running = peer;
  peer = undefined;
  if (!running) return;
  console.error(`Last peer server output:\n${running.output().slice(-4000)}`);
  await running.kill();
}

/** OwlBank's batch of sign-ins, prepared just before it is sent. */
async function owlbankSignIns(on: Server, customers: Customer[], count: number, origin: string): Promise<Measurement> {
  return measureSignIns([on], await prepareSignIns(on, customers, count, origin), customers, { app: () => [on.pid] });
}

/**
 * The peer's batch of sign-ins, prepared just before it is sent (its challenges live 5
 * minutes), with its session rows counted and then deleted, as `measureSignIns` does OwlBank's.
 */
async function peerSignIns(on: PeerServer, customers: PeerCustomer[], count: number): Promise<Measurement> {
  const prepared = await preparePeerSignIns(on, customers, count);
  const before = await peerSessions(on);
  const m = await measure(on, { method: "POST", path: PEER_SIGN_IN, prepared, success: peerSessionIssued }, { app: () => [on.pid] });
  m.sessionRows = (await peerSessions(on)) - before;
  await clearPeerSessions(on);
  return m;
}

async function owlbankVisits(on: Server, customers: Customer[], count: number, origin: string): Promise<VisitBatch> {
  const before = await signInSessions(on, customers);
  const visits = await signInVisits(on, customers, count, origin);
  const sessionRows = (await signInSessions(on, customers)) - before;
  await clearSignInSessions(on, customers);
  return { ...visits, sessionRows };
}

async function peerVisitBatch(on: PeerServer, customers: PeerCustomer[], count: number): Promise<VisitBatch> {
  const before = await peerSessions(on);
  const visits = await peerVisits(on, customers, count);
  const sessionRows = (await peerSessions(on)) - before;
  await clearPeerSessions(on);
  return { ...visits, sessionRows };
}

/**
 * The comparison, on the SQLite OwlBank server `on` (already warm from the engine rows): the
 * peer is started beside it, customers sign up on both, both are warmed, then `sizes.rounds`
 * rounds of sign-ins and whole visits. `stage` is told what runs, for the run's failure messages.
 * Never throws: a failure is kept in `error`, with what was measured before it.
 */
export async function measureVersus(on: Server, sizes: VersusSizes, stage: (what: string) => void, elapsed: () => string): Promise<Versus> {
  const result: Versus = { sizes, owlbank: { signIns: [], visits: [] }, peer: { signIns: [], visits: [] } };
  const origin = new URL(on.url).origin;
  try {
    stage("versus: installing and building the peer");
    result.versions = await readyPeer();
    stage("versus: starting the peer");
    const other = await startPeer();
    peer = other;
    stage(`versus: signing up ${sizes.customers} customers on each side`);
    const customers = await signUpCustomers(on, sizes.customers, origin);
    const peerCustomers = await signUpPeerCustomers(other, sizes.customers);

    stage("versus: warm-up");
    console.log(`Versus: Better Auth ${result.versions.betterAuth} is up, customers signed up on both sides; warming up (at ${elapsed()})…`);
    await owlbankSignIns(on, customers, sizes.warmUp, origin);
    // In batches of one round's size, each prepared just before it is sent, as the rounds are.
    for (let left = sizes.peerWarmUp; left > 0; left -= sizes.signIns) await peerSignIns(other, peerCustomers, Math.min(left, sizes.signIns));
    await owlbankVisits(on, customers, sizes.visitsWarmUp, origin);
    await peerVisitBatch(other, peerCustomers, sizes.visitsWarmUp);

    for (let round = 1; round <= sizes.rounds; round++) {
      console.log(`Versus: round ${round}/${sizes.rounds} at ${elapsed()}: ${sizes.signIns} sign-ins and ${sizes.visits} whole visits on each side…`);
      stage(`versus: round ${round}, OwlBank sign-ins`);
      result.owlbank.signIns.push(await owlbankSignIns(on, customers, sizes.signIns, origin));
      stage(`versus: round ${round}, the peer's sign-ins`);
      result.peer.signIns.push(await peerSignIns(other, peerCustomers, sizes.signIns));
      stage(`versus: round ${round}, OwlBank's whole visits`);
      result.owlbank.visits.push(await owlbankVisits(on, customers, sizes.visits, origin));
      stage(`versus: round ${round}, the peer's whole visits`);
      result.peer.visits.push(await peerVisitBatch(other, peerCustomers, sizes.visits));
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error("Versus: the comparison with Better Auth failed:", error);
    if (peer) console.error(`Last peer server output:\n${peer.output().slice(-4000)}`);
    result.error = message.split("\n")[0].slice(0, 300);
  } finally {
    const running = peer;
    peer = undefined;
    await running?.stop();
  }
  return result;
}

const cpuPerSignIn = (m: Measurement) => (m.cpuMs && m.successes > 0 ? m.cpuMs.app / m.successes : undefined);
const cpuPerVisit = (v: Visits) => (v.cpuMs && v.succeeded > 0 ? v.cpuMs.app / v.succeeded : undefined);
/** CPU per visit over every round: all their CPU over all their visits. */
function cpuPerVisitOverall(visits: Visits[]): number | undefined {
  if (visits.length === 0 || !visits.every((v) => v.cpuMs)) return undefined;
  const succeeded = sum(visits.map((v) => v.succeeded));
  return succeeded > 0 ? sum(visits.map((v) => v.cpuMs?.app ?? 0)) / succeeded : undefined;
}

/** OwlBank's figure over the peer's in each round; the median over rounds. */
function perRound<T>(owlbank: T[], peerRounds: T[], of: (x: T) => number | undefined): number | undefined {
  const ratios = owlbank.flatMap((x, i) => {
    const a = of(x);
    const b = peerRounds[i] === undefined ? undefined : of(peerRounds[i]);
    return a === undefined || b === undefined || b === 0 ? [] : [a / b];
  });
  return ratios.length > 0 && ratios.length === owlbank.length ? median(ratios) : undefined;
}

/** Whether both sides measured every round. */
const complete = (v: Versus) =>
  [v.owlbank, v.peer].every((side) => side.signIns.length === v.sizes.rounds && side.visits.length === v.sizes.rounds);

export type VersusFigures = {
  owlbank?: Endpoint;
  peer?: Endpoint;
  /** OwlBank / peer, per round, median over rounds. */
  signInsRatio?: number;
  cpuRatio?: number;
  visitCpuRatio?: number;
  owlbankVisitCpu?: number;
  peerVisitCpu?: number;
};

export function figures(v: Versus): VersusFigures {
  const ok = complete(v);
  return {
    owlbank: v.owlbank.signIns.length > 0 ? endpoint("OwlBank sign-in", v.owlbank.signIns) : undefined,
    peer: v.peer.signIns.length > 0 ? endpoint("Better Auth sign-in", v.peer.signIns) : undefined,
    signInsRatio: ok ? perRound(v.owlbank.signIns, v.peer.signIns, (m) => m.rps) : undefined,
    cpuRatio: ok ? perRound(v.owlbank.signIns, v.peer.signIns, cpuPerSignIn) : undefined,
    visitCpuRatio: ok ? perRound(v.owlbank.visits, v.peer.visits, cpuPerVisit) : undefined,
    owlbankVisitCpu: cpuPerVisitOverall(v.owlbank.visits),
    peerVisitCpu: cpuPerVisitOverall(v.peer.visits),
  };
}

/** Issue #15's targets against the peer: throughput, CPU per sign-in, CPU per whole visit. */
export function versusTargets(v: Versus): Target[] {
  const f = figures(v);
  const ms = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(2)} ms`);
  return [
    judge("OwlBank sign-ins/s / Better Auth's (per round, median)", f.signInsRatio, ">=", 1.5, {
      beside: f.owlbank && f.peer ? `${f.owlbank.rps.median.toFixed(0)}/s against ${f.peer.rps.median.toFixed(0)}/s (medians)` : undefined,
    }),
    judge("OwlBank CPU per sign-in / Better Auth's (per round, median)", f.cpuRatio, "<=", 0.67, {
      beside: `${ms(f.owlbank?.cpu?.app)} against ${ms(f.peer?.cpu?.app)}`,
    }),
    judge("OwlBank CPU per whole visit / Better Auth's (per round, median)", f.visitCpuRatio, "<", 1, {
      beside: `${ms(f.owlbankVisitCpu)} against ${ms(f.peerVisitCpu)}`,
    }),
  ];
}

const REQUESTS_PER_VISIT = {
  owlbank: "4: GET /sign-in; GET /api/auth/csrf and the beginPasskeySignIn server action (together, on load); POST /api/auth/callback/passkey",
  peer: "3: GET /sign-in; GET /api/auth/passkey/generate-authenticate-options; POST /api/auth/passkey/verify-authentication",
};

/**
 * What each side checks and writes on the timed request, from reading both code bases
 * (Better Auth 1.7.7 and @better-auth/passkey 1.7.6; OwlBank at this commit), so the figures
 * are read knowing what each pays for.
 */
const CHECKS_AND_WRITES: [string, string, string][] = [
  [
    "Timed request",
    "POST /api/auth/callback/passkey (a form: the credential's JSON, the CSRF token): next-auth's credentials provider, then ApproveChallenge through the twilio library, handed in-process to OwlBank's own /v2 route handlers",
    "POST /api/auth/passkey/verify-authentication (JSON): the plugin's endpoint, in Better Auth's router",
  ],
  [
    "Forged requests",
    "next-auth's CSRF token (double-submit cookie), and proxy.ts refuses cross-site writes (Origin / Sec-Fetch-Site)",
    "Origin checked against the trusted origins",
  ],
  [
    "Caller",
    "/v2 Basic auth of the embedded account, and the account's request budget (counted in the database a block at a time)",
    "— (the plugin is called in-process)",
  ],
  [
    "Challenge",
    "found by the value signed in clientData, within its Service; stays usable until a valid signature (a bad signature does not burn it)",
    "named by an HMAC-signed cookie; its row is consumed (deleted) before the passkey lookup and the signature check (a failed attempt burns it)",
  ],
  [
    "Credential",
    "the factor found by credential id; it must be verified and in the same RP; userHandle, when sent, must name the factor's entity",
    "the passkey found by credential id only; userHandle not checked against the passkey's user, nor allowCredentials",
  ],
  [
    "Client data",
    "type, challenge, origin among the Service's origins; crossOrigin and topOrigin refused",
    "type, challenge, origin (the one configured origin); crossOrigin and topOrigin not checked",
  ],
  [
    "Authenticator data",
    "RP ID hash; UP and UV required (the Service requires UV); BE/BS; counter / clone check",
    "RP ID hash; UP required, UV not; the counter refused only if (new > 0 or stored > 0) and new ≤ stored; BS without BE refused",
  ],
  ["Signature", "ECDSA P-256 (the public key imported once per credential and cached)", "ECDSA P-256 (@simplewebauthn/server)"],
  [
    "Writes",
    "one guarded transaction: the challenge pending → approved and the factor's counter advanced; then a session row (owlbank_sessions: revocable; that user's dead sessions deleted); the credential id / user handle recorded if new",
    "a transaction (a select and 2 deletes of verification rows); UPDATE of the passkey's counter (every time); INSERT of the session (IP, user agent); then a SELECT of the user",
  ],
  ["Cookie", "next-auth's encrypted JWT naming the session row", "one signed session-token cookie"],
  [
    "Rate limits",
    "in the database (they hold across instances); the bench raises the limits out of reach, and every request is still counted",
    "in memory, per process; the bench raises the limits out of reach, and every request is still counted",
  ],
  ["Storage", "SQLite through better-sqlite3 (drizzle, prepared statements on the hot path), WAL, synchronous=NORMAL", "SQLite through better-sqlite3 (Kysely), WAL, synchronous=NORMAL"],
];

/** The report's "OwlBank against Better Auth" section (its targets go in the run's targets table). */
export function versusLines(v: Versus): string[] {
  const f = figures(v);
  const versions = v.versions
    ? `Better Auth ${v.versions.betterAuth} with @better-auth/passkey ${v.versions.passkey}, on Next ${v.versions.next} (the project's) and better-sqlite3 ${v.versions.betterSqlite}`
    : "Better Auth (not started)";
  const lines = [
    "## OwlBank against Better Auth",
    "",
    `The peer: ${versions}, a minimal Next app (bench/peers/better-auth) with email + password and the passkey plugin, configured as its documentation shows. ` +
      `Both run \`next start\` on this machine, on their own SQLite file, one after the other under the same load: ${v.sizes.rounds} round(s), each a batch of ${v.sizes.signIns} sign-ins on OwlBank then on the peer ` +
      `(${CONNECTIONS} connections; every ceremony single-use, started and signed by a software passkey just before its batch, for ${v.sizes.customers} customers in turn), ` +
      `then ${v.sizes.visits} whole visits on each (${VISITS_IN_FLIGHT} in flight). Only answers that issued a session count, and each batch's session rows are counted in its database: they equal the successes. ` +
      "CPU: the `next start` process tree of each side over its successes (from /proc). Ratios are OwlBank / Better Auth in each round, median over rounds.",
    "",
  ];
  if (v.error) lines.push(`The comparison stopped early: ${v.error}`, "");
  const both = (of: (e: Endpoint) => string): [string, string] => [f.owlbank ? of(f.owlbank) : "—", f.peer ? of(f.peer) : "—"];
  const ratio = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(2));
  const ms = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(2));
  const visitRate = (side: Side) => {
    const rates = side.visits.map((b) => b.succeeded / b.seconds);
    return rates.length > 0 ? median(rates).toFixed(0) : "—";
  };
  const rows: [string, string, string, string][] = [
    ["Sign-ins/s (median [min–max])", ...both((e) => `${e.rps.median.toFixed(0)} [${e.rps.min.toFixed(0)}–${e.rps.max.toFixed(0)}]`), ratio(f.signInsRatio)],
    ["p50 ms (established connections)", ...both((e) => String(e.p50)), "—"],
    ["p99 ms (established connections)", ...both((e) => String(e.p99)), "—"],
    ["CPU ms per sign-in", ...both((e) => ms(e.cpu?.app)), ratio(f.cpuRatio)],
    [`Whole visits/s (${VISITS_IN_FLIGHT} in flight, median)`, visitRate(v.owlbank), visitRate(v.peer), "—"],
    ["CPU ms per whole visit", ms(f.owlbankVisitCpu), ms(f.peerVisitCpu), ratio(f.visitCpuRatio)],
    ["Requests per whole visit", REQUESTS_PER_VISIT.owlbank, REQUESTS_PER_VISIT.peer, "—"],
  ];
  lines.push(
    "| | OwlBank | Better Auth | OwlBank / Better Auth |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    "What each side checks and writes on the timed request (from reading both code bases):",
    "",
    "| | OwlBank | Better Auth |",
    "|---|---|---|",
    ...CHECKS_AND_WRITES.map((r) => `| ${r.join(" | ")} |`),
    "",
    "A whole visit fetches the sign-in page's HTML and not its scripts, on both sides (static files a returning browser has cached). " +
      "OwlBank's /sign-in is prerendered and, to a visitor without a session cookie, served by its proxy with a policy of the page's own script hashes (a visitor with one gets it rendered per request, to be sent on to the dashboard); the peer's is a static page. " +
      "The passkey's signature is computed in the load generator's process, as a browser's authenticator would, and counts on neither side.",
  );
  return lines;
}

/** What must hold for the comparison to mean anything (never a speed), as the run's pass/fail lines. */
export function versusChecks(v: Versus): { what: string; ok: boolean }[] {
  const why = v.error ? ` (${v.error})` : "";
  const signInsOk = (side: Side) =>
    side.signIns.length === v.sizes.rounds &&
    side.signIns.every((m) => m.successes === m.requests && m.requests === v.sizes.signIns && m.errors === 0 && !m.cutShort);
  const rowsOk = (side: Side) => side.signIns.length === v.sizes.rounds && side.signIns.every((m) => m.sessionRows === m.successes);
  const visitsOk = (side: Side) =>
    side.visits.length === v.sizes.rounds && side.visits.every((b) => b.succeeded === b.visits && b.sessionRows === b.succeeded);
  const linux = fs.existsSync("/proc/self/stat");
  return [
    { what: `Versus: the peer's sign-ins all succeeded${why}`, ok: signInsOk(v.peer) },
    { what: `Versus: the peer's session rows equal its successes${why}`, ok: rowsOk(v.peer) },
    { what: `Versus: the peer's whole visits completed, one session row each${why}`, ok: visitsOk(v.peer) },
    { what: `Versus: OwlBank's sign-ins all succeeded, one session row each${why}`, ok: signInsOk(v.owlbank) && rowsOk(v.owlbank) },
    { what: `Versus: OwlBank's whole visits completed, one session row each${why}`, ok: visitsOk(v.owlbank) },
    ...(linux
      ? [{ what: `Versus: both sides' CPU time measured${why}`, ok: figures(v).cpuRatio !== undefined && figures(v).visitCpuRatio !== undefined }]
      : []),
  ];
}

/** The comparison in the report's JSON: its rounds as measured, and the figures derived from them. */
export function versusJson(v: Versus) {
  const f = figures(v);
  return { ...v, figures: { ...f, owlbank: f.owlbank && { ...f.owlbank, rounds: undefined }, peer: f.peer && { ...f.peer, rounds: undefined } } };
}
