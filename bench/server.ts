/**
 * Starts the production build on a fresh database for a benchmark run, and stops it by PID.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type Server = {
  url: string;
  accountSid: string;
  authToken: string;
  dataDir: string;
  stop: () => Promise<void>;
};

export function ensureBuild(): void {
  if (fs.existsSync(".next/BUILD_ID")) return;
  console.log("No production build found: running next build…");
  const result = spawnSync("node_modules/.bin/next", ["build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed");
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The server did not answer within ${timeoutMs} ms`);
}

export async function startServer(port: number, extraEnv: Record<string, string> = {}): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "owlbank-bench-"));
  const accountSid = `AC${randomBytes(16).toString("hex")}`;
  const authToken = randomBytes(16).toString("hex");
  const url = `http://localhost:${port}`;
  const child = spawn("node_modules/.bin/next", ["start", "-p", String(port)], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: `file:${path.join(dataDir, "bench.db")}`,
      VERIFY_ACCOUNT_SID: accountSid,
      VERIFY_AUTH_TOKEN: authToken,
      APP_URL: url,
      NEXTAUTH_URL: url,
      ...extraEnv,
    },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  await waitUntilUp(url, child);
  return {
    url,
    accountSid,
    authToken,
    dataDir,
    stop: async () => {
      if (child.exitCode === null && child.pid) {
        // next start forks next-server: signal the whole process group it leads.
        process.kill(-child.pid, "SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
