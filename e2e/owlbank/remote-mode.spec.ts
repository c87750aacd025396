/**
 * Remote mode: a second OwlBank, configured as a Twilio customer would configure it
 * (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, VERIFY_SERVICE_SID) with VERIFY_BASE_URL pointing
 * at the server under test. Its passkeys must land in that server's Verify, reached over
 * HTTP through the `twilio` library, and never in its own embedded tables.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { query, targetOf } from "../helpers/database";
import { VERIFY_ACCOUNT_SID, VERIFY_AUTH_TOKEN } from "../helpers/env";
import { verifyClient } from "../helpers/verify";
import { expect, latestCodeIn, signOut, signUp, test, WebAuthnEnvironment } from "./fixtures";
import { nextStart } from "../../scripts/next-start.mjs";

/** A free TCP port on localhost, for the second server. */
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
const OWN_SETTINGS = /^(PORT|APP_URL|DATABASE_URL|NEXTAUTH_.*|VERIFY_.*|TWILIO_.*|OWLBANK_.*|NODE_ENV)$/;

async function waitUntilUp(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`The remote-mode server exited (${server.exitCode}):\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The remote-mode server did not start within 60 s:\n${log()}`);
}

test("an OwlBank configured for Twilio with VERIFY_BASE_URL keeps its passkeys in the remote Verify", async ({
  browser,
  baseURL,
  phone,
}) => {
  test.slow();
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const dataDir = path.resolve("data", "test", `remote-${port}`);
  const databaseFile = path.join(dataDir, "owlbank.db");
  // The second OwlBank keeps its own SQLite file, whichever engine the server under test uses.
  const database = targetOf(`file:${databaseFile}`);

  // The operator's Service, made in the server under test through the library, for the
  // second OwlBank's origin.
  const client = verifyClient(baseURL);
  const service = await client.verify.v2.services.create({
    friendlyName: "OwlBank remote e2e",
    "passkeys.relyingParty.id": "localhost",
    "passkeys.relyingParty.name": "OwlBank",
    "passkeys.relyingParty.origins": origin,
    "passkeys.authenticatorAttachment": "any",
    "passkeys.discoverableCredentials": "required",
    "passkeys.userVerification": "preferred",
  });

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
      NEXTAUTH_SECRET: "remote-mode-nextauth-secret-000000000000",
      DATABASE_URL: `file:${databaseFile}`,
      // "Real Twilio" mode: the e2e account's credentials stand in for a Twilio account.
      TWILIO_ACCOUNT_SID: VERIFY_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: VERIFY_AUTH_TOKEN,
      VERIFY_SERVICE_SID: service.sid,
      VERIFY_BASE_URL: baseURL!,
      // The server under test has no SMS channel: texts go to the second OwlBank's own
      // outbox, kept readable (localhost only) so the test can type the code.
      OWLBANK_CODE_DELIVERY: "outbox",
      OWLBANK_DEV_OUTBOX: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (chunk) => (output += chunk));
  server.stderr!.on("data", (chunk) => (output += chunk));

  const context = await browser.newContext({ baseURL: origin });
  try {
    await waitUntilUp(`${origin}/sign-in`, server, () => output);

    const page = await context.newPage();
    const webauthn = await WebAuthnEnvironment.enable(page);
    const authenticator = await webauthn.add("internal");

    await signUp(page, phone, { name: "Rae Remote", codeFor: (e164) => latestCodeIn(database, e164) });

    // The user lives in the second OwlBank's own database…
    const [user] = await query<{ verify_identity: string }>(database, "SELECT verify_identity FROM owlbank_users WHERE phone_number = ?", phone.e164);
    expect(user, "the remote-mode OwlBank created its user").toBeDefined();
    const identity = user.verify_identity;
    const [{ n: embeddedEntities }] = await query<{ n: number }>(database, "SELECT CAST(count(*) AS INTEGER) AS n FROM verify_entities");
    // …while its passkey is a factor in the server it was pointed at, under the operator's Service…
    const factors = await client.verify.v2.services(service.sid).entities(identity).factors.list();
    expect(factors.map((f) => [f.factorType, f.status])).toEqual([["passkeys", "verified"]]);
    // …and its own embedded Verify was never used.
    expect(embeddedEntities).toBe(0);

    // Signing in goes the same way: ApproveChallenge in the remote Verify.
    await signOut(page, authenticator);
    await authenticator.setPresence(true);
    await page.getByRole("button", { name: "Sign in with Face ID" }).click();
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
    const [factor] = await client.verify.v2.services(service.sid).entities(identity).factors.list();
    expect((factor.metadata as { date_last_approved?: string }).date_last_approved, "the approval was recorded remotely").toBeTruthy();
  } finally {
    await context.close();
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode === null ? server.once("exit", r) : r(null)));
    // Removing the Service removes the entity, factor and challenges with it.
    await client.verify.v2.services(service.sid).remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
