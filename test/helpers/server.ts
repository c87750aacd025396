/**
 * The production server for the security suite and the benchmark: `next start` on a free
 * port, with credentials chosen here so the caller knows them, over a database of its own:
 * a SQLite file in a temporary directory (the default), or with OWLBANK_TEST_ENGINE=postgres
 * a fresh PostgreSQL database on the server OWLBANK_TEST_POSTGRES_ADMIN_URL names (the
 * security suite sets it from test/global-setup.ts's server; scripts/security.mjs for its
 * Playwright run). It runs in its own process group and is stopped (or killed) by that
 * group's id, never by name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { basic } from "./basic-auth";
import { nextStart } from "../../scripts/next-start.mjs";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export type Server = {
  url: string;
  port: number;
  dir: string;
  engine: "sqlite" | "postgres";
  /** The server's DATABASE_URL: `file:…` or `postgres://…`; pass it to e2e/helpers/database.ts's `targetOf`. */
  databaseUrl: string;
  /** The SQLite file (`${dir}/x.db`); on PostgreSQL no such file exists: use `databaseUrl`. */
  dbFile: string;
  /**
   * Where the server keeps secrets.json (lib/env.ts): `dir`, beside its SQLite file; on
   * PostgreSQL the checkout's own data/ folder, which every server started here then shares.
   */
  dataDir: string;
  accountSid: string;
  authToken: string;
  /** `Basic …` for the embedded account. */
  auth: string;
  pid: number;
  /** The server's stdout and stderr so far, for failure messages. */
  output: () => string;
  /** `undefined` while it runs; how it ended (exit code or signal) once it has. */
  ended: () => string | undefined;
  /** SIGTERM, then SIGKILL if it has not exited after a few seconds. */
  stop: () => Promise<void>;
  /** SIGKILL, at once: a crash. */
  kill: () => Promise<void>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = "owlbank-security-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type Credentials = { accountSid: string; authToken: string };

export const newCredentials = (): Credentials => ({
  accountSid: `AC${randomBytes(16).toString("hex")}`,
  authToken: randomBytes(16).toString("hex"),
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}

/** Process groups started here and not yet stopped: killed if this test process exits first. */
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

/** The engine servers started here use: OWLBANK_TEST_ENGINE=postgres, else SQLite. */
export const serverEngine = (): Server["engine"] => (process.env.OWLBANK_TEST_ENGINE === "postgres" ? "postgres" : "sqlite");

/** The PostgreSQL database each `dir` was given, so a restart with the same `dir` opens it again. */
const postgresDatabases = new Map<string, string>();

/** Creates an empty PostgreSQL database on OWLBANK_TEST_POSTGRES_ADMIN_URL's server and returns its URL. */
export async function createPostgresDatabase(prefix = "owlbank_test_server"): Promise<string> {
  const adminUrl = process.env.OWLBANK_TEST_POSTGRES_ADMIN_URL;
  if (!adminUrl) {
    throw new Error(
      "OWLBANK_TEST_ENGINE=postgres, but no OWLBANK_TEST_POSTGRES_ADMIN_URL (postgres://user:pw@host:port/postgres) to create the server's database on",
    );
  }
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const { default: pg } = await import("pg");
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on("error", () => {});
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts `next start` and resolves once `/v2/Services` answers 200 with our credentials.
 * `dir` and `credentials` are reused across restarts, so a restarted server opens the same
 * database (the SQLite file in `dir`, or the PostgreSQL database first made for `dir`) with
 * the same account. `databaseUrl` names the database outright instead. `port` is the port to
 * listen on (default: a free one).
 */
export async function startServer(
  options: {
    dir?: string;
    credentials?: Credentials;
    env?: Record<string, string>;
    databaseUrl?: string;
    port?: number;
    /** Flags for node itself, such as `--cpu-prof`, which NODE_OPTIONS may not carry. */
    nodeFlags?: string[];
  } = {},
): Promise<Server> {
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    throw new Error("No production build (.next/BUILD_ID): run `node_modules/.bin/next build` or `npm run test:security`");
  }
  const dir = options.dir ?? tempDir();
  const dbFile = path.join(dir, "x.db");
  let databaseUrl = options.databaseUrl ?? postgresDatabases.get(dir);
  if (!databaseUrl) {
    databaseUrl = serverEngine() === "postgres" ? await createPostgresDatabase() : `file:${dbFile}`;
  }
  const engine: Server["engine"] = /^postgres(ql)?:\/\//.test(databaseUrl) ? "postgres" : "sqlite";
  if (engine === "postgres") postgresDatabases.set(dir, databaseUrl);
  const { accountSid, authToken } = options.credentials ?? newCredentials();
  // A caller may choose the port, to name the server's own URL in `env` (VERIFY_BASE_URL) before it starts.
  const port = options.port ?? (await freePort());
  const url = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? dir,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    // Its secrets beside its database, never in the checkout's data/ (which a PostgreSQL
    // server would otherwise use, overwriting the developer's own).
    OWLBANK_DATA_DIR: dir,
    VERIFY_ACCOUNT_SID: accountSid,
    VERIFY_AUTH_TOKEN: authToken,
    APP_URL: url,
    NEXTAUTH_URL: url,
    // No SMS provider here: codes go to the local outbox, where tests and the benchmark read
    // them. A production start refuses an outbox nobody may read (lib/start-up.ts).
    OWLBANK_DEV_OUTBOX: "1",
    ...options.env,
    NODE_ENV: "production",
  };
  const start = nextStart(port);
  const child = spawn(start.command, [...(options.nodeFlags ?? []), ...start.args], {
    cwd: ROOT,
    env,
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

  const stop = async () => {
    signalGroup(pid, "SIGTERM");
    const done = exited(child);
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 5000);
    await done;
    clearTimeout(timer);
  };
  const kill = async () => {
    signalGroup(pid, "SIGKILL");
    await exited(child);
  };

  const auth = basic(accountSid, authToken);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`next start exited early (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const res = await fetch(`${url}/v2/Services?PageSize=1`, {
        headers: { authorization: auth },
        signal: AbortSignal.timeout(5000),
      });
      if (res.status === 200) break;
      await res.arrayBuffer();
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`next start did not become ready within 90 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const dataDir = dir;
  return { url, port, dir, engine, databaseUrl, dbFile, dataDir, accountSid, authToken, auth, pid, output, ended, stop, kill };
}
