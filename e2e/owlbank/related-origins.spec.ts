/**
 * Related origins (WEBAUTHN_RELATED_ORIGINS): a second OwlBank, started with two related
 * origins, serves them at /.well-known/webauthn and gives its Verify Service the same list,
 * so the browser and Verify accept passkeys on the same origins.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { query, targetOf } from "../helpers/database";
import { expect, test } from "./fixtures";
import { nextStart } from "../../scripts/next-start.mjs";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "localhost", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Variables the second server must not inherit from whoever runs the tests. */
const OWN_SETTINGS = /^(PORT|APP_URL|DATABASE_URL|NEXTAUTH_.*|VERIFY_.*|TWILIO_.*|NODE_ENV|WEBAUTHN_.*|OWLBANK_.*)$/;

async function waitUntilUp(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`The second server exited (${server.exitCode}):\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The second server did not start within 60 s:\n${log()}`);
}

test("configured related origins are served at /.well-known/webauthn and accepted by the Verify Service", async ({ browser }) => {
  test.slow();
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const related = ["https://owlbank.example", "https://m.owlbank.example"];
  const dataDir = path.resolve("data", "test", `related-${port}`);
  const databaseFile = path.join(dataDir, "owlbank.db");
  // The second OwlBank keeps its own SQLite file, whichever engine the server under test uses.
  const database = targetOf(`file:${databaseFile}`);

  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OWN_SETTINGS.test(k)));
  let output = "";
  const start = nextStart(port);
  const server = spawn(start.command, start.args, {
    env: {
      ...env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      APP_URL: origin,
      NEXTAUTH_URL: origin,
      NEXTAUTH_SECRET: "related-origins-nextauth-secret-00000000",
      DATABASE_URL: `file:${databaseFile}`,
      // A production start must be able to deliver codes; on localhost the outbox may show them.
      OWLBANK_DEV_OUTBOX: "1",
      // A duplicate and a trailing slash are tidied up by the configuration.
      WEBAUTHN_RELATED_ORIGINS: `${related[0]}/, ${related[1]},${related[0]}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (chunk) => (output += chunk));
  server.stderr!.on("data", (chunk) => (output += chunk));

  const context = await browser.newContext({ baseURL: origin });
  try {
    await waitUntilUp(`${origin}/api/health`, server, () => output);

    const wellKnown = await context.request.get("/.well-known/webauthn");
    expect(wellKnown.status()).toBe(200);
    const { origins } = (await wellKnown.json()) as { origins: string[] };
    expect(origins).toEqual([origin, ...related]);

    // The sign-in page's autofill starts a ceremony, which creates OwlBank's Verify Service.
    const page = await context.newPage();
    await page.goto("/sign-in");
    await expect(page.locator("form[data-autofill]")).toBeAttached();
    await expect
      .poll(async () => {
        const [row] = await query<{ passkeys: unknown }>(database, "SELECT passkeys FROM verify_services WHERE friendly_name = 'OwlBank'");
        // A JSON column: text on SQLite, already parsed on PostgreSQL.
        const passkeys = (typeof row?.passkeys === "string" ? JSON.parse(row.passkeys) : row?.passkeys) as { relying_party?: { origins?: string[] } } | undefined;
        return passkeys?.relying_party?.origins;
      })
      .toEqual(origins);
  } finally {
    await context.close();
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode === null ? server.once("exit", r) : r(null)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
