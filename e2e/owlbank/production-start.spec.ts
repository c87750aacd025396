/**
 * The README's production command on this machine, with nothing configured and no Twilio:
 * `npm start` (after the build `npm test` made) refuses to serve a sign-up that could never
 * finish and names the setting to choose; started as that message says, a customer opens an
 * account end to end, reading the code at /dev/outbox as the README describes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort, ROOT, tempDir } from "../../test/helpers/server";
import { targetOf } from "../helpers/database";
import { expect, latestCodeIn, signUp, test, WebAuthnEnvironment } from "./fixtures";

/** `npm start` in its own process group, so stopping it stops the server npm started. */
function npmStart(env: Record<string, string | undefined>): { child: ChildProcess; output: () => string } {
  // No NODE_ENV: `next start` sets production itself, as it does for a person typing the command.
  const child = spawn("npm", ["start"], { cwd: ROOT, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));

function stop(child: ChildProcess) {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // Already gone.
  }
}

test("the README's production command on localhost, without Twilio, says what it needs and then opens an account", async ({ browser, newPhone }) => {
  test.slow();
  const port = await freePort();
  const dir = tempDir("owlbank-production-");
  const databaseFile = path.join(dir, "owlbank.db");
  // Nothing of the runner's configuration: a fresh clone's `npm start` (its own database, so no test touches data/).
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port), DATABASE_URL: `file:${databaseFile}` };

  const plain = npmStart(env);
  const code = await Promise.race([exited(plain.child), new Promise<"running">((r) => setTimeout(() => r("running"), 60_000))]);
  stop(plain.child);
  expect(code, `npm start stopped by itself:\n${plain.output()}`).not.toBe("running");
  expect(code).not.toBe(0);
  expect(plain.output()).toContain("No SMS provider is configured");
  expect(plain.output()).toContain(`read them at http://localhost:${port}/dev/outbox: set OWLBANK_DEV_OUTBOX=1`);

  const server = npmStart({ ...env, OWLBANK_DEV_OUTBOX: "1" });
  try {
    const origin = `http://localhost:${port}`;
    await expect
      .poll(
        async () => {
          if (server.child.exitCode !== null) throw new Error(`npm start exited:\n${server.output()}`);
          return (await fetch(`${origin}/api/health`).catch(() => undefined))?.status;
        },
        { timeout: 60_000, message: "the production server answers" },
      )
      .toBe(200);

    const context = await browser.newContext({ baseURL: origin });
    const page = await context.newPage();
    await (await WebAuthnEnvironment.enable(page)).add("internal");
    const phone = await newPhone();
    await page.goto("/dev/outbox");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // A fresh clone's database is a SQLite file, whichever engine the suite's own server uses.
    await signUp(page, phone, { name: "Pia Production", codeFor: (e164) => latestCodeIn(targetOf(`file:${databaseFile}`), e164) });
    await context.close();
  } finally {
    stop(server.child);
    await exited(server.child);
  }
});
