/**
 * Several instances behind a real reverse proxy (issue #14): Debian's nginx, configured by
 * deploy/nginx/owlbank.conf itself, in front of two production instances of this build on one
 * database of their own (a SQLite file, or a fresh database on the run's PostgreSQL server).
 *
 * nginx connects to the instances from 127.0.0.2 (the file's proxy_bind, moved off 127.0.0.1
 * here), the only address in their TRUSTED_PROXIES; the browser and the other clients reach
 * nginx from 127.0.0.1 (or 127.0.0.3), which no instance trusts. So "the client address" can
 * only be what nginx appended to X-Forwarded-For.
 *
 * The test proves that a customer's whole journey (sign-up with a texted code and a passkey,
 * sign-out, sign-in with the passkey, a transfer approved by passkey) works through nginx while
 * nginx alternates the requests between the two instances, and that a per-address limit counts
 * the address nginx saw, in sum across both instances, whatever X-Forwarded-For a client sends.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import pg from "pg";
import { query, type Target, targetOf } from "../helpers/database";
import { E2E_DATABASE_URL, E2E_ENGINE_NAME, VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN } from "../helpers/env";
import { expect, latestCodeIn, signIn, signOut, signUp, test, type TestPhone, WebAuthnEnvironment } from "./fixtures";
import { nextStart } from "../../scripts/next-start.mjs";

const CONF = path.resolve("deploy", "nginx", "owlbank.conf");

/** Where nginx is: OWLBANK_NGINX, Debian's /usr/sbin/nginx, or the PATH. */
function findNginx(): string | undefined {
  const candidates = [process.env.OWLBANK_NGINX, "/usr/sbin/nginx", "/usr/local/sbin/nginx"].filter(Boolean) as string[];
  const found = candidates.find((file) => fs.existsSync(file));
  if (found) return found;
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.trim() || undefined : undefined;
}

/** `count` different free TCP ports on loopback (all held open until each is known, so none repeats). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The address the instances trust as their proxy, and nothing else does. */
const PROXY_ADDRESS = "127.0.0.2";
/** AUTH_FAILURE_LIMIT_PER_MINUTE of both instances: failed /v2 Basic auths allowed per client address and username a minute. */
const AUTH_FAILURE_LIMIT = 4;
/** What the browser claims to be in every request of the journey: nginx's append must win. */
const SPOOFED_JOURNEY_ADDRESS = "198.51.100.23";

/**
 * deploy/nginx/owlbank.conf made runnable here: each rule must match (or the file changed
 * under the test, which must then be updated), and none touches a proxy_* directive except
 * proxy_bind's address.
 */
function testConfiguration(source: string, ports: { http: number; https: number; instances: [number, number] }, dir: string): string {
  const rules: [what: string, pattern: RegExp, replacement: string][] = [
    ["IPv6 listen lines", /^[ \t]*listen \[::\]:\d+[^;\n]*;[ \t]*\n/gm, ""],
    ["TLS listen lines", /^([ \t]*)listen 443 ssl http2( default_server)?;/gm, `$1listen 127.0.0.1:${ports.https}$2;`],
    ["plain http listen lines", /^([ \t]*)listen 80( default_server)?;/gm, `$1listen 127.0.0.1:${ports.http}$2;`],
    ["ssl_* directives", /^[ \t]*ssl_[a-z_]+ [^;\n]*;[ \t]*\n/gm, ""],
    ["the public server_name", /\bserver_name bank\.example\.com;/g, "server_name localhost;"],
    ["the first instance", /^([ \t]*)server 127\.0\.0\.1:3001 /m, `$1server 127.0.0.1:${ports.instances[0]} `],
    ["the second instance", /^([ \t]*)server 127\.0\.0\.1:3002 /m, `$1server 127.0.0.1:${ports.instances[1]} `],
    ["the log folder", /\/var\/log\/nginx\//g, `${dir}/`],
    ["proxy_bind", /^([ \t]*)proxy_bind 127\.0\.0\.1;/m, `$1proxy_bind ${PROXY_ADDRESS};`],
  ];
  let text = source;
  for (const [what, pattern, replacement] of rules) {
    if (!pattern.test(text)) throw new Error(`${CONF}: ${what} not found (${pattern}); the spec's substitutions need updating`);
    pattern.lastIndex = 0;
    text = text.replace(pattern, replacement);
  }
  return text;
}

/** nginx's own main file around the deploy file: every path it writes is in `dir`. */
function mainConfiguration(dir: string): string {
  return [
    "worker_processes 1;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    "events { worker_connections 256; }",
    "http {",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `    ${kind}_temp_path ${dir}/${kind}_temp;`),
    `    access_log ${dir}/other.access.log;`,
    `    include ${dir}/owlbank.conf;`,
    "}",
    "",
  ].join("\n");
}

/** The PIDs whose parent is `pid` (Linux's /proc). */
function childrenOf(pid: number): number[] {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

const started = new Set<number>();
// A last resort if the worker exits without the test's cleanup (nothing here may outlive the run).
process.once("exit", () => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
});

type Proc = { name: string; child: ChildProcess; output: () => string };

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  let output = "";
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid) started.add(child.pid);
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  child.on("error", (error) => (output += `\n${error.message}`));
  return { name, child, output: () => output };
}

const exited = (child: ChildProcess, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** SIGTERM, then SIGKILL for it and the children it had (nginx's workers) if it is still there after `graceMs`. */
async function stopProcess({ child }: Proc, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (!pid) return;
  const children = childrenOf(pid);
  if (!(await exited(child, 0))) {
    child.kill("SIGTERM");
    if (!(await exited(child, graceMs))) {
      child.kill("SIGKILL");
      await exited(child, 5_000);
    }
  }
  for (const orphan of children) {
    try {
      process.kill(orphan, "SIGKILL");
    } catch {
      // Exited with its parent.
    }
  }
  started.delete(pid);
}

async function waitUntilUp(url: string, proc: Proc): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${proc.name} did not answer ${url} within 90 s:\n${proc.output()}`);
}

type Answer = { status: number; body: string };

/** One request on a fresh connection from `from`, so the source address is known. */
function send(port: number, requestPath: string, { from, headers }: { from: string; headers: Record<string, string> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: requestPath, localAddress: from, headers, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.setTimeout(15_000, () => request.destroy(new Error(`no answer to ${requestPath} within 15 s`)));
  });
}

type LogLine = { client: string; method: string; path: string; status: number; upstream: string };

/** The deploy file's `owlbank` log format: what the test reads from it. */
function readAccessLog(file: string): LogLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      const m = /^(\S+) - \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) .* upstream=(\S+(?:, \S+)*) upstream_status=/.exec(line);
      return m ? [{ client: m[1], method: m[2], path: m[3], status: Number(m[4]), upstream: m[5] }] : [];
    });
}

/** A fresh database for the two instances: a SQLite file in `dir`, or a new database on the run's PostgreSQL server. */
async function ownDatabase(dir: string): Promise<{ url: string; target: Target; drop: () => Promise<void> }> {
  if (!E2E_DATABASE_URL.startsWith("postgres")) {
    const url = `file:${path.join(dir, "owlbank.db")}`;
    return { url, target: targetOf(url), drop: async () => {} };
  }
  const admin = new URL(E2E_DATABASE_URL);
  admin.pathname = "/postgres";
  const name = `owlbank_e2e_nginx_${process.pid}_${Date.now()}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database "${name}"`);
  const url = new URL(E2E_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), target: targetOf(url.toString()), drop: () => run(`drop database if exists "${name}" with (force)`) };
}

/** Variables the instances must not inherit from whoever runs the tests. */
const OWN_SETTINGS = /^(PORT|HOSTNAME|APP_URL|DATABASE_.*|NEXTAUTH_.*|VERIFY_.*|TWILIO_.*|OWLBANK_.*|NODE_ENV|WEBAUTHN_.*|TRUSTED_PROXIES|.*_LIMIT_PER_.*|.*_CAP_PER_.*)$/;

async function reviewAndApproveTransfer(page: Page) {
  await page.goto("/transfer");
  await page.getByLabel("Pay to").fill("Alex Chen");
  await page.getByLabel("Amount (USD)").fill("25");
  await page.getByLabel("Memo (optional)").fill("Behind nginx");
  await page.getByRole("button", { name: "Review transfer" }).click();
  await expect(page.getByRole("heading", { name: "Review and approve" })).toBeVisible();
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: /^Sent / })).toHaveText("Sent $25.00 to Alex Chen.");
}

const cleanups: (() => Promise<void>)[] = [];

// Runs after a failure or a time-out too: every process started here is stopped by its PID.
test.afterEach(async () => {
  test.setTimeout(60_000);
  while (cleanups.length) {
    const cleanup = cleanups.pop()!;
    await cleanup().catch((error: Error) => console.error(`nginx spec cleanup: ${error.message}`));
  }
});

test(`two instances on one ${E2E_ENGINE_NAME} database behind nginx (deploy/nginx/owlbank.conf): a customer's journey, and limits on the address nginx saw`, async ({
  browser,
}, testInfo) => {
  const nginx = findNginx();
  test.skip(!nginx, "nginx is not installed: `apt-get install -y nginx` (npm test installs it when run as root with apt-get), or set OWLBANK_NGINX");
  test.setTimeout(180_000);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owlbank-nginx-"));
  // nginx's workers run as `nobody` when started as root: they must reach the temp folders.
  fs.chmodSync(dir, 0o755);
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(dataDir);

  const [httpsPort, httpPort, portA, portB] = await freePorts(4);
  const origin = `http://localhost:${httpsPort}`;
  const instances = [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`];

  const database = await ownDatabase(dir);
  cleanups.push(database.drop);

  // Two instances, started together on the empty database, as a deployment starts them.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OWN_SETTINGS.test(key)));
  const apps = [portA, portB].map((port, i) => {
    const start = nextStart(port);
    const app = startProcess(`instance ${i + 1} (port ${port})`, start.command, [...start.args, "-H", "127.0.0.1"], {
      ...inherited,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      APP_URL: origin,
      NEXTAUTH_URL: origin,
      DATABASE_URL: database.url,
      // The same secrets on both: in the environment, and one data folder besides.
      OWLBANK_DATA_DIR: dataDir,
      NEXTAUTH_SECRET: "nginx-spec-nextauth-secret-000000000000000",
      VERIFY_ACCOUNT_SID,
      VERIFY_AUTH_TOKEN,
      TRUSTED_PROXIES: PROXY_ADDRESS,
      AUTH_FAILURE_LIMIT_PER_MINUTE: String(AUTH_FAILURE_LIMIT),
      // Codes are read from the outbox (allowed with a localhost APP_URL).
      OWLBANK_DEV_OUTBOX: "1",
    });
    cleanups.push(() => stopProcess(app, 10_000));
    return app;
  });
  const accessLog = path.join(dir, "owlbank.access.log");
  cleanups.push(async () => {
    // What happened, for a failed run: both instances' output and nginx's logs.
    if (testInfo.status === testInfo.expectedStatus) return;
    for (const app of apps) await testInfo.attach(app.name, { body: app.output(), contentType: "text/plain" });
    for (const file of ["owlbank.access.log", "owlbank.error.log", "error.log"]) {
      const full = path.join(dir, file);
      if (fs.existsSync(full)) await testInfo.attach(`nginx ${file}`, { path: full, contentType: "text/plain" });
    }
  });
  await Promise.all(apps.map((app, i) => waitUntilUp(`http://${instances[i]}/api/health`, app)));

  // nginx, as a child of this process (not a daemon), with the deploy file.
  const source = fs.readFileSync(CONF, "utf8");
  fs.writeFileSync(path.join(dir, "owlbank.conf"), testConfiguration(source, { http: httpPort, https: httpsPort, instances: [portA, portB] }, dir));
  fs.writeFileSync(path.join(dir, "nginx.conf"), mainConfiguration(dir));
  const nginxArgs = ["-p", `${dir}/`, "-e", path.join(dir, "error.log"), "-c", path.join(dir, "nginx.conf")];
  const check = spawnSync(nginx!, ["-t", ...nginxArgs], { encoding: "utf8" });
  expect(check.status, `nginx -t on the deploy file:\n${check.stderr}`).toBe(0);
  const proxy = startProcess("nginx", nginx!, [...nginxArgs, "-g", "daemon off;"], process.env);
  cleanups.push(() => stopProcess(proxy, 5_000));
  await waitUntilUp(`${origin}/api/health`, proxy);

  // Host (port included) and X-Forwarded-Proto reach the app as the browser sent them: /v2 builds its links from them.
  const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
  const listed = await send(httpsPort, "/v2/Services", {
    from: "127.0.0.1",
    headers: { host: `localhost:${httpsPort}`, authorization: basic(VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN) },
  });
  expect(listed.status, listed.body).toBe(200);
  expect((JSON.parse(listed.body) as { meta: { url: string } }).meta.url).toMatch(new RegExp(`^http://localhost:${httpsPort}/v2/Services\\b`));
  // Any other Host never reaches an instance: the default server closes the connection.
  await expect(send(httpsPort, "/", { from: "127.0.0.1", headers: { host: "evil.example" } })).rejects.toThrow(/socket hang up|ECONNRESET/);

  // ---- The journey, through nginx, with a spoofed X-Forwarded-For on every request. ----
  const phone: TestPhone = { typed: "(415) 555-0142", e164: "+14155550142", digits: "4155550142" };
  const context = await browser.newContext({ baseURL: origin, extraHTTPHeaders: { "x-forwarded-for": SPOOFED_JOURNEY_ADDRESS } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const authenticator = await (await WebAuthnEnvironment.enable(page)).add("internal");

  await signUp(page, phone, { name: "Nia Proxy", codeFor: (e164) => latestCodeIn(database.target, e164) });
  await signOut(page, authenticator);
  await signIn(page, authenticator);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome back, Nia");
  await reviewAndApproveTransfer(page);
  await context.close();

  const [user] = await query<{ id: string }>(database.target, "SELECT id FROM owlbank_users WHERE phone_number = ?", phone.e164);
  expect(await query(database.target, "SELECT status, amount_cents FROM owlbank_transfers WHERE user_id = ?", user.id)).toEqual([
    { status: "executed", amount_cents: 25_00 },
  ]);
  // Every session was opened by 127.0.0.1, the address nginx saw, never by what the browser claimed.
  const sessions = await query<{ created_from: string }>(database.target, "SELECT created_from FROM owlbank_sessions WHERE user_id = ?", user.id);
  expect(sessions.length, "the sign-in's session").toBeGreaterThan(0);
  expect(new Set(sessions.map((s) => s.created_from))).toEqual(new Set(["127.0.0.1"]));

  // nginx took turns: both instances served requests, ceremony requests (server actions,
  // next-auth's callback, and the /v2 Passkeys calls OwlBank makes through APP_URL) included.
  const journey = readAccessLog(accessLog);
  const posts = journey.filter((l) => l.method === "POST");
  const servedBy = (lines: LogLine[]) => Object.fromEntries(instances.map((i) => [i, lines.filter((l) => l.upstream.split(", ").at(-1) === i).length]));
  const ceremonies = posts.filter((l) => l.path.startsWith("/v2/") || l.path.startsWith("/api/auth/callback") || !l.path.startsWith("/api/"));
  // For the record (round robin decides it, so it is not asserted): Verify ceremonies whose
  // start and finish were served by different instances.
  const verifySteps = posts.filter((l) => /\/Passkeys\/(Factors|VerifyFactor|Challenges|ApproveChallenge)$/.test(l.path));
  const finishes = verifySteps.flatMap((l, i) => (/(VerifyFactor|ApproveChallenge)$/.test(l.path) && i > 0 ? [[verifySteps[i - 1], l]] : []));
  const crossed = finishes.filter(([start, finish]) => start.upstream !== finish.upstream);
  testInfo.annotations.push({
    type: "instances",
    description:
      `journey: ${journey.length} requests ${JSON.stringify(servedBy(journey))}, ${ceremonies.length} ceremony POSTs ${JSON.stringify(servedBy(ceremonies))}; ` +
      `${crossed.length} of ${finishes.length} Verify ceremonies finished on the other instance`,
  });
  for (const instance of instances) {
    expect(servedBy(ceremonies)[instance], `ceremony requests served by ${instance}`).toBeGreaterThan(0);
  }
  expect(journey.filter((l) => l.status >= 500), "no request failed at nginx or an instance").toEqual([]);
  // The browser (and the instances' own /v2 calls through APP_URL) came from 127.0.0.1; the
  // browser's spoofed X-Forwarded-For changed nothing nginx logged.
  expect(new Set(journey.map((l) => l.client))).toEqual(new Set(["127.0.0.1"]));

  // ---- A per-address limit, through nginx, with a different spoofed X-Forwarded-For each time. ----
  const attempts = 2 * AUTH_FAILURE_LIMIT + 2;
  const wrong = { authorization: basic("ACbad00000000000000000000000000001", "wrong-token"), host: `localhost:${httpsPort}` };
  const answers: number[] = [];
  for (let i = 1; i <= attempts; i++) {
    const answer = await send(httpsPort, `/v2/Services?attempt=${i}`, { from: "127.0.0.1", headers: { ...wrong, "x-forwarded-for": `203.0.113.${i}` } });
    answers.push(answer.status);
  }
  // One client, 127.0.0.1: the limit's count is shared by both instances, so exactly
  // AUTH_FAILURE_LIMIT failures are answered 401 (not that many per instance), the rest 429.
  expect(answers).toEqual([...Array(AUTH_FAILURE_LIMIT).fill(401), ...Array(attempts - AUTH_FAILURE_LIMIT).fill(429)]);
  let attemptLines: LogLine[] = [];
  await expect
    .poll(() => (attemptLines = readAccessLog(accessLog).filter((l) => l.path.startsWith("/v2/Services?attempt="))).length)
    .toBe(attempts);
  const refusedBy = new Set(attemptLines.filter((l) => l.status === 429).map((l) => l.upstream));
  const failedBy = new Set(attemptLines.filter((l) => l.status === 401).map((l) => l.upstream));
  expect(refusedBy, "both instances refused the client once the shared count was over").toEqual(new Set(instances));
  expect(failedBy, "both instances counted failures").toEqual(new Set(instances));

  // Another client (127.0.0.3, same spoofing) through nginx has a count of its own: the app
  // read the address nginx appended, not one shared by every request nginx relays.
  const other = await send(httpsPort, "/v2/Services?attempt=other", { from: "127.0.0.3", headers: { ...wrong, "x-forwarded-for": "203.0.113.250" } });
  expect(other.status, other.body).toBe(401);
  // Going round nginx does not help either: from an untrusted peer X-Forwarded-For is ignored,
  // so this is 127.0.0.1 again, already over its limit, on either instance.
  for (const instance of [portA, portB]) {
    const direct = await send(instance, "/v2/Services?attempt=direct", {
      from: "127.0.0.1",
      headers: { ...wrong, host: `127.0.0.1:${instance}`, "x-forwarded-for": "203.0.113.251" },
    });
    expect(direct.status, direct.body).toBe(429);
  }
});
