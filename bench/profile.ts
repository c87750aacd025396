/**
 * Where OwlBank's sign-in spends its CPU: a V8 CPU profile of the production server (SQLite)
 * while it completes a batch of passkey sign-ins, split by the source module each sample's
 * function came from (the build's source maps lead back to our files and to each package).
 *
 *   npm run bench:profile                 # 600 sign-ins, the split printed
 *   npm run bench:profile -- --save DIR   # also keeps the .cpuprofile (open it in Chrome's DevTools)
 *   npm run bench:profile -- --plain      # no profiler: sign-ins/s and CPU per sign-in only
 *
 * Only samples taken while the timed sign-ins ran count: the profile's timestamps and this
 * process's `process.hrtime` read the same monotonic clock, so the sign-up and warm-up before
 * it, and the shutdown after it, are left out.
 */
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, tempDir } from "../test/helpers/server";
import { measure } from "./api";
import { clearSignInSessions, prepareSignIns, sessionIssued, signInHeaders, signInSessions, signUpCustomers } from "./owlbank";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };

/** The settings the benchmark's server runs with (bench/run.ts), so the profile is of the same work. */
const SERVER_ENV = {
  VERIFY_RATE_LIMIT_PER_MINUTE: "100000000",
  OWLBANK_SIGN_IN_LIMIT_PER_MINUTE: "100000000",
  OWLBANK_SIGN_UP_LIMIT_PER_MINUTE: "100000000",
  OWLBANK_DEV_OUTBOX: "1",
};

/** Microseconds of CPU per sample source, over the timed window only. */
export function selfTimes(profile: Profile, fromUs: number, toUs: number): Map<number, number> {
  const times = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    // A sample's delta is the time since the previous one: the time the sampled frame ran.
    if (at < fromUs || at > toUs) continue;
    times.set(profile.samples[i], (times.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return times;
}

const maps = new Map<string, SourceMap | null>();

/** The build's source map of a server chunk, if it has one. */
function sourceMapOf(url: string): SourceMap | null {
  if (!maps.has(url)) {
    let map: SourceMap | null = null;
    try {
      const file = url.startsWith("file:") ? fileURLToPath(url) : url;
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
    } catch {
      // Not a file, or no map beside it: the chunk's own name is all there is.
    }
    maps.set(url, map);
  }
  return maps.get(url) ?? null;
}

/** The original source file of a frame: a package's name, one of our files, or Node's own. */
export function sourceOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    // V8's pseudo-frames: idle time, garbage collection, native code with no JavaScript caller.
    return functionName === "(garbage collector)" ? "V8: garbage collection" : functionName === "(program)" ? "V8: native, outside JavaScript" : `V8: ${functionName}`;
  }
  if (url.startsWith("node:")) return `Node: ${url.slice(5).replace(/^internal\//, "").split("/")[0]}`;
  // A package loaded from node_modules is named by its path; the build's chunks (.next/) bundle
  // our code with some packages, and their source maps say which module a function came from.
  let source = url;
  if (url.includes("/.next/")) {
    const entry = sourceMapOf(url)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
    if (entry?.originalSource) source = entry.originalSource;
  }
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(source);
  if (inPackage) {
    const [, name, rest = ""] = inPackage;
    // Next's own code is most of a request; its compiled copies of React and of other
    // packages are told apart.
    const compiled = /^\/dist\/compiled\/((?:@[^/]+\/)?[^/]+)/.exec(rest);
    return compiled ? `${name} (compiled ${compiled[1]})` : name;
  }
  const ours = /^(?:\.\.\/)*((?:app|lib|db|server)\/.*)$/.exec(source);
  if (ours) return decodeURIComponent(ours[1]);
  // A chunk's runtime, or a source its map does not name.
  return source.includes("/.next/") ? "next (build runtime)" : source;
}

/** The part of a sign-in a source belongs to, for the profile's short summary. */
const GROUPS: [string, RegExp][] = [
  ["Next.js: routing, the request and the response", /^(next\b|turbopack|next \()/],
  ["next-auth: the callback, CSRF, the session cookie", /^(next-auth|jose|@panva|cookie|uuid|lib\/auth\/)/],
  ["The twilio library, in-process", /^(twilio|axios|dayjs|qs|lib\/verify-client\/)/],
  ["Verify: the /v2 route and the WebAuthn checks", /^(lib\/verify\/|lib\/webauthn\/|@simplewebauthn|@peculiar|@levischuck|lib\/rate-limit|lib\/client-address|lib\/cross-site)/],
  ["Database: Drizzle and SQLite", /^(drizzle-orm|db\/|lib\/db\.ts|better-sqlite3)/],
  ["OwlBank: the customer and the session row", /^(lib\/owlbank\/|app\/)/],
  ["Node: crypto (signature, cipher, hashes)", /^Node: crypto/],
  ["Node: HTTP, streams, async hooks and the rest", /^Node: /],
  ["V8: garbage collection", /^V8: garbage/],
];
export const groupOf = (source: string) => GROUPS.find(([, pattern]) => pattern.test(source))?.[0] ?? "Other (V8, native code, unmapped)";

export function split(profile: Profile, fromUs: number, toUs: number): { source: string; us: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (const [id, us] of selfTimes(profile, fromUs, toUs)) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    const source = sourceOf(node.callFrame);
    totals.set(source, (totals.get(source) ?? 0) + us);
  }
  return [...totals].map(([source, us]) => ({ source, us })).sort((a, b) => b.us - a.us);
}

async function main() {
  const saveAt = process.argv.indexOf("--save");
  const keep = saveAt > 0 ? path.resolve(process.argv[saveAt + 1] ?? "profiles") : undefined;
  const plain = process.argv.includes("--plain");
  const count = Number(process.env.PROFILE_SIGN_INS ?? 600);
  const profiles = tempDir("owlbank-profile-");
  const server = await startServer({ env: SERVER_ENV, nodeFlags: plain ? [] : ["--cpu-prof", `--cpu-prof-dir=${profiles}`] });
  let window: [number, number];
  let successes = 0;
  try {
    const origin = new URL(server.url).origin;
    const customers = await signUpCustomers(server, 40, origin);
    // Warm the server first: a fresh Node server's cost per request falls for thousands of requests.
    const warmUp = await prepareSignIns(server, customers, 600, origin);
    await measure(server, { method: "POST", path: "/api/auth/callback/passkey", bodies: warmUp.bodies, headers: signInHeaders(warmUp), success: sessionIssued });
    await clearSignInSessions(server, customers);
    const signIns = await prepareSignIns(server, customers, count, origin);
    const from = Number(process.hrtime.bigint() / 1000n);
    const m = await measure(
      server,
      { method: "POST", path: "/api/auth/callback/passkey", bodies: signIns.bodies, headers: signInHeaders(signIns), success: sessionIssued },
      { app: () => [server.pid] },
    );
    window = [from, Number(process.hrtime.bigint() / 1000n)];
    successes = m.successes;
    const rows = await signInSessions(server, customers);
    if (rows !== successes) {
      // A request the load generator gave up on (errors: timeouts included) may still have signed in.
      throw new Error(`${successes} sign-ins answered with a session, but ${rows} session rows were written (${m.errors} errors, ${m.non2xx} refused)`);
    }
    const cpu = m.cpuMs?.app === undefined ? "not measured" : `${(m.cpuMs.app / successes).toFixed(2)} ms`;
    console.log(`${successes} sign-ins, ${m.rps.toFixed(0)}/s, CPU per sign-in ${cpu}${plain ? "" : " (with the profiler's own cost)"}, ${m.errors} errors, ${m.non2xx} refused`);
  } finally {
    await server.stop();
  }
  if (plain) return;
  const files = fs.readdirSync(profiles).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error("The server wrote no CPU profile");
  const all = files.flatMap((file) => split(JSON.parse(fs.readFileSync(path.join(profiles, file), "utf8")) as Profile, ...window));
  const merged = new Map<string, number>();
  for (const { source, us } of all) merged.set(source, (merged.get(source) ?? 0) + us);
  const total = [...merged.values()].reduce((a, b) => a + b, 0);
  console.log(`\nCPU per sign-in, by source (profile of the server process, ${(total / 1000 / successes).toFixed(2)} ms per sign-in sampled):\n`);
  const groups = new Map<string, number>();
  for (const [source, us] of merged) groups.set(groupOf(source), (groups.get(groupOf(source)) ?? 0) + us);
  console.log("| Part | share |\n|---|---|");
  for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`| ${group} | ${((100 * us) / total).toFixed(0)}% |`);
  console.log("\nBy source module:\n");
  console.log("| Source | ms per sign-in | share |\n|---|---|---|");
  for (const [source, us] of [...merged].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`| ${source} | ${(us / 1000 / successes).toFixed(3)} | ${((100 * us) / total).toFixed(1)}% |`);
  }
  if (keep) {
    fs.mkdirSync(keep, { recursive: true });
    for (const file of files) fs.copyFileSync(path.join(profiles, file), path.join(keep, file));
    // The timed window, in the profiles' microseconds, for other tools to cut the same part.
    fs.writeFileSync(path.join(keep, "window.json"), JSON.stringify({ fromUs: window[0], toUs: window[1], signIns: successes }));
    console.log(`\nProfiles kept in ${keep}`);
  }
  fs.rmSync(profiles, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
