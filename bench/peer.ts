/**
 * The benchmark's peer: Better Auth's passkey plugin on SQLite (bench/peers/better-auth/, a
 * Next app of its own on the same Next as the project), driven over HTTP the way its client
 * library drives it, so its passkey sign-in can be measured beside OwlBank's by the same
 * load generator (bench/api.ts's `measure`) and the same CPU accounting (bench/cpu.ts).
 *
 * Customers sign up with email and password and register a passkey from the test suite's
 * software authenticator. Each sign-in is a real single-use ceremony: its options are asked
 * for, as `authClient.signIn.passkey()` asks, before the clock starts, and the timed request
 * is the one that completes it, `POST /api/auth/passkey/verify-authentication`, with the
 * signed cookie that carries its challenge. It succeeds only if it issued a session.
 *
 * `npx tsx bench/peer.ts --check` (or `--check --full`, the bench's sizes) runs it once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { query, targetOf } from "../e2e/helpers/database";
import { SoftwareAuthenticator } from "../test/helpers/authenticator";
import { freePort, ROOT, type Server, tempDir } from "../test/helpers/server";
import { CONNECTIONS, CookieJar, measure, pool, type Visits, VISITS_IN_FLIGHT } from "./api";
import { read as readCpu, used as cpuUsed } from "./cpu";

export const PEER_DIR = path.join(ROOT, "bench/peers/better-auth");

/** Better Auth's session cookie over http (over https it would carry the `__Secure-` prefix). */
const SESSION_COOKIE = "better-auth.session_token";

export type PeerVersions = { betterAuth: string; passkey: string; next: string; betterSqlite: string };

/**
 * A running peer. It is a `Server` so that bench/api.ts's `measure` and the rest of the bench
 * take it as they take OwlBank's; it has no Verify account, so its credentials are empty.
 */
export type PeerServer = Server & {
  /** The peer's SQLite file (also `dbFile`), which this driver reads to count sessions. */
  databaseFile: string;
};

export type PeerCustomer = { email: string; userId: string; authenticator: SoftwareAuthenticator };

/** One timed request: its body, and the headers a browser's fetch would send with it. */
export type PreparedRequest = { body: string; headers: Record<string, string> };

const versionOf = (dir: string, name: string) =>
  (JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

/** Runs a command in the peer's folder; its output only matters when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PEER_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: string[] = [];
    child.stdout.on("data", (b: Buffer) => chunks.push(b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => chunks.push(b.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} in ${PEER_DIR} → ${code ?? signal}:\n${chunks.join("").slice(-4000)}`));
    });
  });
}

/**
 * Whether node_modules holds exactly what package-lock.json names: every package at its
 * locked version (optional ones, such as other platforms' binaries, may be absent). Read from
 * the installed package.json files rather than from timestamps, which a checkout, a cache
 * restore or npm itself rewriting the lockfile would make lie.
 */
function installMatchesLock(): boolean {
  const lock = JSON.parse(fs.readFileSync(path.join(PEER_DIR, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; optional?: boolean }>;
  };
  return Object.entries(lock.packages).every(([where, locked]) => {
    if (where === "") return true;
    const manifest = path.join(PEER_DIR, where, "package.json");
    if (!fs.existsSync(manifest)) return locked.optional === true;
    return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version?: string }).version === locked.version;
  });
}

/** The newest modification time under `entry` (a file or a folder), in ms. */
function newest(entry: string): number {
  const stat = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newest(path.join(entry, name))));
}

/** Everything `next build` compiles from; next-env.d.ts is left out, the build writes it. */
const BUILD_INPUTS = ["app", "lib", "next.config.ts", "tsconfig.json", "package.json", "package-lock.json"];

/**
 * Makes the peer ready to start: `npm install` when node_modules is missing or differs from
 * the lockfile (`install`, not `ci`: `ci` deletes node_modules first, and with it a build of
 * better-sqlite3 that took minutes), then `next build` when there is no build or an input is
 * newer than it. Fails if the peer's Next is not the project's own, since the comparison is
 * of two apps on one framework. Returns the versions it runs.
 */
export async function preparePeer(): Promise<PeerVersions> {
  let installed = false;
  if (!installMatchesLock()) {
    console.log(`peer: npm install in ${path.relative(ROOT, PEER_DIR)} (a few minutes on a fresh folder)…`);
    await run("npm", ["install", "--no-audit", "--no-fund"]);
    installed = true;
  }
  const versions: PeerVersions = {
    betterAuth: versionOf(PEER_DIR, "better-auth"),
    passkey: versionOf(PEER_DIR, "@better-auth/passkey"),
    next: versionOf(PEER_DIR, "next"),
    betterSqlite: versionOf(PEER_DIR, "better-sqlite3"),
  };
  const projectNext = versionOf(ROOT, "next");
  if (versions.next !== projectNext) {
    throw new Error(`The peer runs Next ${versions.next}, the project Next ${projectNext}: pin the peer's package.json to ${projectNext}`);
  }
  const built = fs.statSync(path.join(PEER_DIR, ".next", "BUILD_ID"), { throwIfNoEntry: false });
  if (installed || !built || BUILD_INPUTS.some((input) => newest(path.join(PEER_DIR, input)) > built.mtimeMs)) {
    console.log("peer: next build…");
    await run(process.execPath, ["node_modules/next/dist/bin/next", "build"], { ...process.env, NEXT_TELEMETRY_DISABLED: "1" });
  }
  return versions;
}

/** Process groups started here and not yet stopped: killed if this process exits first. */
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) signalGroup(pid, "SIGKILL");
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}

/**
 * Starts the built peer with `next start` on a free port, over a fresh SQLite file in a
 * temporary directory and with a fresh secret, and resolves once Better Auth answers (its
 * first request also creates the tables: lib/auth.ts). Its URL names `localhost`, never
 * 127.0.0.1, which WebAuthn does not accept as a relying party. It runs in its own process
 * group, stopped by that group's id.
 */
export async function startPeer(): Promise<PeerServer> {
  if (!fs.existsSync(path.join(PEER_DIR, ".next", "BUILD_ID"))) throw new Error("The peer has no build: call preparePeer() first");
  const dir = tempDir("owlbank-peer-");
  const databaseFile = path.join(dir, "peer.db");
  const port = await freePort();
  const url = `http://localhost:${port}`;
  // Node itself, not a shell or npm, so that `pid` is the server's and its CPU is what bench/cpu.ts reads.
  const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port)], {
    cwd: PEER_DIR,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? dir,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      BETTER_AUTH_URL: url,
      BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
      PEER_DATABASE: databaseFile,
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  const keep = (b: Buffer) => {
    chunks.push(b.toString("utf8"));
    if (chunks.length > 400) chunks.splice(0, chunks.length - 400);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const output = () => chunks.join("");
  const ended = () =>
    child.exitCode !== null ? `exit code ${child.exitCode}` : child.signalCode !== null ? `signal ${child.signalCode}` : undefined;
  const pid = child.pid as number;
  running.add(pid);
  child.once("exit", () => running.delete(pid));
  // Unlike OwlBank's, a peer is never restarted over its database: once it has ended, its
  // directory is of no further use.
  const stop = async () => {
    signalGroup(pid, "SIGTERM");
    const done = exited(child);
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 5000);
    await done;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const kill = async () => {
    signalGroup(pid, "SIGKILL");
    await exited(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (ended()) throw new Error(`The peer's next start exited early (${ended()}):\n${output()}`);
    try {
      const res = await fetch(`${url}/api/auth/ok`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`The peer did not become ready within 90 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port,
    dir,
    engine: "sqlite",
    databaseUrl: `file:${databaseFile}`,
    dbFile: databaseFile,
    dataDir: dir,
    accountSid: "",
    authToken: "",
    auth: "",
    pid,
    output,
    ended,
    stop,
    kill,
    databaseFile,
  };
}

/** A browser on the peer's pages: its cookies, and the fetches Better Auth's client makes. */
class Browser {
  private readonly jar = new CookieJar();

  constructor(readonly peer: PeerServer) {}

  /** The Cookie header this browser sends. */
  cookie(): string {
    return this.jar.header();
  }

  async fetch(pathname: string, init: { method?: "GET" | "POST"; json?: unknown } = {}): Promise<Response> {
    const response = await fetch(`${this.peer.url}${pathname}`, {
      method: init.method ?? "GET",
      headers: {
        // A same-origin fetch carries Origin; Better Auth checks it on requests with cookies.
        origin: new URL(this.peer.url).origin,
        ...this.jar.headers(),
        ...(init.json === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      redirect: "manual",
      // A server that stops answering must fail the run, never hang it.
      signal: AbortSignal.timeout(30_000),
    });
    this.jar.absorb(response);
    return response;
  }

  /** An API call that must succeed; its JSON answer. */
  async call<T>(pathname: string, init: { method?: "GET" | "POST"; json?: unknown } = {}): Promise<T> {
    const response = await this.fetch(pathname, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${pathname} → ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/** What the plugin's client posts: the credential's JSON without its extension results. */
function credentialBody(credential: { clientExtensionResults?: unknown }): { response: object } {
  const response = { ...credential };
  delete response.clientExtensionResults;
  return { response };
}

/**
 * Opens `count` accounts with email and password, each with a passkey of its own registered
 * while signed in (a synced passkey's zero counter, so its assertions stay valid in any
 * order). The sessions sign-up created are deleted afterwards, so that `peerSessions` counts
 * only sign-ins.
 */
export async function signUpPeerCustomers(peer: PeerServer, count: number): Promise<PeerCustomer[]> {
  const origin = new URL(peer.url).origin;
  const customers = await pool(Array.from({ length: count }), 4, async () => {
    const browser = new Browser(peer);
    const email = `bench-${randomUUID()}@example.com`;
    const { user } = await browser.call<{ user: { id: string } }>("/api/auth/sign-up/email", {
      method: "POST",
      json: { email, password: randomBytes(18).toString("base64url"), name: "Bench Owl" },
    });
    if (!browser.cookie().includes(`${SESSION_COOKIE}=`)) throw new Error(`Sign-up of ${email} set no session cookie`);
    const options = await browser.call<unknown>("/api/auth/passkey/generate-register-options");
    const authenticator = new SoftwareAuthenticator({ alg: "ES256", counterStep: 0, backupEligible: true, backedUp: true });
    await browser.call("/api/auth/passkey/verify-registration", {
      method: "POST",
      json: credentialBody(await authenticator.register(options, { origin })),
    });
    return { email, userId: user.id, authenticator };
  });
  await clearPeerSessions(peer);
  return customers;
}

/**
 * `count` single-use sign-ins, for the customers in turn. Each starts as the plugin's client
 * starts one, with `generate-authenticate-options` from a browser holding no session (so no
 * allowCredentials: a discoverable-credential sign-in), whose answer sets the signed cookie
 * naming its challenge; each timed request carries its own. The challenge lives 5 minutes
 * (the plugin's fixed cookie and row lifetime), so prepare a batch just before measuring it.
 */
export async function preparePeerSignIns(peer: PeerServer, customers: PeerCustomer[], count: number): Promise<PreparedRequest[]> {
  const origin = new URL(peer.url).origin;
  return pool(
    Array.from({ length: count }, (_, i) => customers[i % customers.length]),
    16,
    async (customer) => {
      const browser = new Browser(peer);
      const options = await browser.call<unknown>("/api/auth/passkey/generate-authenticate-options");
      const assertion = await customer.authenticator.authenticate(options, { origin });
      return {
        body: JSON.stringify(credentialBody(assertion)),
        headers: { "content-type": "application/json", origin, cookie: browser.cookie() },
      };
    },
  );
}

/**
 * A completed sign-in: 200 with Better Auth's session cookie set. A refused one is a 400 or
 * 401 with no cookie.
 */
export function peerSessionIssued(status: number, _body: string, headers: IncomingHttpHeaders): boolean {
  // autocannon passes the header names as the server sent them, and a single Set-Cookie as a string.
  const setCookie = Object.entries(headers)
    .filter(([name]) => name.toLowerCase() === "set-cookie")
    .flatMap(([, value]) => value ?? []);
  return status === 200 && setCookie.some((line) => line.startsWith(`${SESSION_COOKIE}=`));
}

/**
 * The session rows in the peer's database: all from sign-ins, since sign-up's are deleted
 * (`signUpPeerCustomers`) and the caller clears them after each batch.
 */
export async function peerSessions(peer: PeerServer): Promise<number> {
  const [row] = await query<{ n: number }>(targetOf(peer.databaseFile), "SELECT COUNT(*) AS n FROM session");
  return Number(row?.n ?? 0);
}

/**
 * Deletes every session row. Between batches it keeps each batch's count its own, and the
 * table the same size for every batch, as `clearSignInSessions` does for OwlBank's.
 */
export async function clearPeerSessions(peer: PeerServer): Promise<void> {
  await query(targetOf(peer.databaseFile), "DELETE FROM session");
}

/**
 * `count` whole sign-in visits, VISITS_IN_FLIGHT at a time, each as a browser makes it: the
 * sign-in page, the ceremony's options, the authenticator's signature (here, in this process:
 * the client's work, not the server's) and the request that completes it. Unlike `measure`,
 * whose ceremonies are started before the clock, the server's CPU here is all of a visit's.
 */
export async function peerVisits(peer: PeerServer, customers: PeerCustomer[], count: number): Promise<Visits> {
  const origin = new URL(peer.url).origin;
  const cpu = { app: () => [peer.pid] };
  const cpuBefore = readCpu(cpu);
  const started = performance.now();
  const outcomes = await pool(
    Array.from({ length: count }, (_, i) => customers[i % customers.length]),
    VISITS_IN_FLIGHT,
    async (customer) => {
      const browser = new Browser(peer);
      const page = await browser.fetch("/sign-in");
      await page.arrayBuffer();
      if (page.status !== 200) return false;
      const options = await browser.call<unknown>("/api/auth/passkey/generate-authenticate-options");
      const assertion = await customer.authenticator.authenticate(options, { origin });
      const done = await browser.fetch("/api/auth/passkey/verify-authentication", { method: "POST", json: credentialBody(assertion) });
      const body = await done.text();
      return peerSessionIssued(done.status, body, { "set-cookie": done.headers.getSetCookie() });
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return { visits: count, succeeded: outcomes.filter(Boolean).length, seconds, cpuMs: cpuUsed(cpuBefore, readCpu(cpu)) };
}

/**
 * The self-check: every step once, with the figures printed. `--full` at the bench's sizes
 * (600 sign-ins over 40 customers), else a quick 100 over 4. A warm-up batch of the same
 * size goes first, as bench/run.ts warms OwlBank up: a fresh Node server's CPU per request
 * keeps falling for a while as V8 optimises the hot paths.
 */
async function check(full: boolean): Promise<void> {
  const signIns = full ? 600 : 100;
  const customerCount = full ? 40 : 4;
  const visitCount = full ? 100 : 20;
  let t = performance.now();
  const versions = await preparePeer();
  console.log(`peer: better-auth ${versions.betterAuth}, @better-auth/passkey ${versions.passkey}, next ${versions.next} (ready in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  const peer = await startPeer();
  try {
    t = performance.now();
    const customers = await signUpPeerCustomers(peer, customerCount);
    console.log(`peer: ${customers.length} customers signed up with a passkey each in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const cpu = { app: () => [peer.pid] };
    for (const round of ["warm-up", "measured"]) {
      const prepared = await preparePeerSignIns(peer, customers, signIns);
      const m = await measure(peer, { method: "POST", path: "/api/auth/passkey/verify-authentication", prepared, success: peerSessionIssued }, cpu);
      const rows = await peerSessions(peer);
      await clearPeerSessions(peer);
      const perSignIn = m.cpuMs ? (m.cpuMs.app / Math.max(1, m.successes)).toFixed(2) : "not measured";
      console.log(
        `peer sign-in, ${round}: ${m.successes}/${m.requests} succeeded (${m.non2xx} non-2xx, ${m.errors} errors), ${m.rps.toFixed(0)}/s over ${CONNECTIONS} connections, ` +
          `p50 ${m.p50} ms, p99 ${m.p99} ms, CPU ${perSignIn} ms per sign-in; ${rows} session rows`,
      );
      if (m.successes !== signIns || rows !== m.successes) {
        throw new Error(`Expected ${signIns} sign-ins and as many session rows; got ${m.successes} and ${rows}:\n${peer.output().slice(-3000)}`);
      }
    }
    const visits = await peerVisits(peer, customers, visitCount);
    const rows = await peerSessions(peer);
    await clearPeerSessions(peer);
    const perVisit = visits.cpuMs ? (visits.cpuMs.app / Math.max(1, visits.succeeded)).toFixed(2) : "not measured";
    console.log(
      `peer visits: ${visits.succeeded}/${visits.visits} signed in, ${(visits.succeeded / visits.seconds).toFixed(0)}/s with ${VISITS_IN_FLIGHT} in flight, ` +
        `CPU ${perVisit} ms per visit; ${rows} session rows`,
    );
    if (visits.succeeded !== visitCount || rows !== visits.succeeded) {
      throw new Error(`Expected ${visitCount} visits and as many session rows; got ${visits.succeeded} and ${rows}:\n${peer.output().slice(-3000)}`);
    }
  } finally {
    await peer.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes("--check")) {
  check(process.argv.includes("--full")).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
