/**
 * Findings 4 and 6 of the session and recovery review (issue #12), and a production start
 * that cannot work (issue #16), proved against the production server with chosen settings:
 *
 * - credentials as configured, nothing more: an operator's account has no generated key,
 *   a rotated API key or account SID stops authenticating at the restart that rotates it,
 *   and the data folder, database and secrets are the owner's alone;
 * - no live codes at rest and no sign-up that can never finish: a production start whose
 *   codes nobody could read (no SMS provider, no OWLBANK_DEV_OUTBOX=1 on localhost), or one
 *   that would show codes on a public address, stops with a message naming the settings.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { query, targetOf } from "@/e2e/helpers/database";
import { basic } from "@/test/helpers/basic-auth";
import { createService, paths, registerPasskey } from "@/test/helpers/verify";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { newCredentials, type Server, startServer, tempDir } from "@/test/helpers/server";
import { httpClient } from "./support/http";
import { record } from "./support/metrics";

const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<Server> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

async function stop(server: Server): Promise<void> {
  await server.stop();
  servers.splice(servers.indexOf(server), 1);
}

function newDir(): string {
  const dir = tempDir("owlbank-credentials-");
  dirs.push(dir);
  return dir;
}

const newApiKey = () => ({ sid: `SK${randomBytes(16).toString("hex")}`, secret: randomBytes(24).toString("base64url") });

/** The status /v2/Services answers to these Basic credentials. */
async function statusFor(server: Server, username: string, password: string): Promise<number> {
  const res = await fetch(`${server.url}${paths.services}`, { headers: { authorization: basic(username, password) } });
  await res.arrayBuffer();
  return res.status;
}

/** Rows of the server's database (its SQLite file or PostgreSQL database). */
const rows = <T>(server: Server, text: string): Promise<T[]> => query<T>(targetOf(server.databaseUrl), text);

/** Resolves how a start ended: refused (it exited, with its output) or serving (then stopped). */
async function startOutcome(env: Record<string, string>): Promise<{ exited: boolean; output: string }> {
  try {
    const server = await startServer({ dir: newDir(), env });
    const output = server.output();
    await server.stop();
    return { exited: false, output };
  } catch (error) {
    return { exited: true, output: (error as Error).message };
  }
}

describe("finding 4: credentials as configured, nothing more", () => {
  it("an operator's account has no other credential: no generated API key or account in data/secrets.json or the database", async () => {
    const server = await start({ dir: newDir() });
    const secrets = JSON.parse(fs.readFileSync(path.join(server.dataDir, "secrets.json"), "utf8")) as Record<string, string>;
    // Whatever secrets.json holds beyond the session secret is a credential nobody was shown.
    const answers: Record<string, number> = {};
    if (secrets.verifyApiKeySid) answers.generatedApiKey = await statusFor(server, secrets.verifyApiKeySid, secrets.verifyApiKeySecret);
    if (secrets.verifyAccountSid) answers.generatedAccount = await statusFor(server, secrets.verifyAccountSid, secrets.verifyAuthToken);
    const keys = await rows<{ sid: string }>(server, "SELECT sid FROM verify_api_keys");
    const accounts = (await rows<{ sid: string }>(server, "SELECT sid FROM verify_accounts")).map((a) => a.sid);
    const held = Object.keys(secrets).every((k) => k === "authSecret") && keys.length === 0 && accounts.join() === server.accountSid;
    record({ kind: "finding", finding: 4, name: "no generated credential beside the operator's account", held });
    expect(Object.keys(secrets), "data/secrets.json keeps only the session secret").toEqual(["authSecret"]);
    expect(answers, "no generated credential authenticates").toEqual({});
    expect(keys, "the account has no API key it was not given").toEqual([]);
    expect(accounts).toEqual([server.accountSid]);
    await stop(server);
  });

  it("a rotated API key stops authenticating at the restart that rotates it", async () => {
    const dir = newDir();
    const credentials = newCredentials();
    const [oldKey, newKey] = [newApiKey(), newApiKey()];
    const keyEnv = (k: { sid: string; secret: string }) => ({ VERIFY_API_KEY_SID: k.sid, VERIFY_API_KEY_SECRET: k.secret });
    const first = await start({ dir, credentials, env: keyEnv(oldKey) });
    expect(await statusFor(first, oldKey.sid, oldKey.secret), "the configured key works").toBe(200);
    await stop(first);

    const second = await start({ dir, credentials, env: keyEnv(newKey) });
    const oldStatus = await statusFor(second, oldKey.sid, oldKey.secret);
    const newStatus = await statusFor(second, newKey.sid, newKey.secret);
    record({ kind: "finding", finding: 4, name: "a rotated API key is refused after the restart", held: oldStatus === 401 && newStatus === 200 });
    expect(oldStatus, "the old key is revoked").toBe(401);
    expect(newStatus).toBe(200);
    await stop(second);

    // Removing the key setting leaves the account with no key at all.
    const third = await start({ dir, credentials });
    expect(await statusFor(third, newKey.sid, newKey.secret)).toBe(401);
    await stop(third);
  });

  it("a changed account SID retires the old one, and OwlBank keeps its Service and serves its sign-in page", async () => {
    const dir = newDir();
    const before = newCredentials();
    const first = await start({ dir, credentials: before });
    // OwlBank's Service, as lib/verify-client/service.ts creates it, with a customer's passkey.
    const oldClient = httpClient(first.url, first.auth);
    const service = await createService({ FriendlyName: "OwlBank" }, oldClient);
    const customer = await registerPasskey(service.sid, new SoftwareAuthenticator(), { client: oldClient });
    await stop(first);

    const after = newCredentials();
    const second = await start({ dir, credentials: after });
    const oldStatus = await statusFor(second, before.accountSid, before.authToken);
    const newClient = httpClient(second.url, second.auth);
    const listed = (await newClient.get(paths.services)).body as { services: { sid: string; account_sid: string }[] };
    const factors = await newClient.get(paths.factors(service.sid, customer.identity));
    const signIn = await fetch(`${second.url}/sign-in`);
    await signIn.arrayBuffer();
    const held = oldStatus === 401 && listed.services.some((s) => s.sid === service.sid) && factors.status === 200 && signIn.status === 200;
    record({ kind: "finding", finding: 4, name: "a changed account SID is refused; OwlBank keeps working", held });
    expect(oldStatus, "the old account SID no longer authenticates").toBe(401);
    expect(listed.services.map((s) => [s.sid, s.account_sid]), "the Service moved to the configured account").toEqual([[service.sid, after.accountSid]]);
    expect(factors.status, "with its customers' passkeys").toBe(200);
    expect(signIn.status, "OwlBank serves its sign-in page").toBe(200);
    await stop(second);
  });

  it("the data folder is 0700 and the database and secrets in it 0600, even when made looser before", async () => {
    const dir = newDir();
    // The server's data folder (OWLBANK_DATA_DIR): beside the database file on SQLite, and
    // where its secrets.json lives on either engine.
    const dataDir = dir;
    const secretsFile = path.join(dataDir, "secrets.json");
    fs.chmodSync(dataDir, 0o755);
    const server = await start({ dir });
    expect(server.dataDir).toBe(dataDir);
    const files = server.engine === "sqlite" ? [server.dbFile, `${server.dbFile}-wal`, `${server.dbFile}-shm`] : [];
    const modes = Object.fromEntries(
      [dataDir, ...files, secretsFile].filter((f) => fs.existsSync(f)).map((f) => [path.basename(f), (fs.statSync(f).mode & 0o777).toString(8)]),
    );
    await stop(server);
    const expected = Object.fromEntries(Object.keys(modes).map((f) => [f, f === path.basename(dataDir) ? "700" : "600"]));
    record({ kind: "finding", finding: 4, name: "data folder 0700, database and secrets 0600", held: JSON.stringify(modes) === JSON.stringify(expected) });
    const required = server.engine === "sqlite" ? [path.basename(server.dbFile), "secrets.json"] : ["secrets.json"];
    expect(Object.keys(modes)).toEqual(expect.arrayContaining([path.basename(dataDir), ...required]));
    expect(modes).toEqual(expected);
  });
});

describe("finding 6 and issue #16: no live codes at rest, no sign-up that cannot finish", () => {
  const NO_SMS = { OWLBANK_DEV_OUTBOX: "0" };

  it("a local production start with no SMS provider and no OWLBANK_DEV_OUTBOX=1 stops, naming both choices", async () => {
    const { exited, output } = await startOutcome(NO_SMS);
    const held = exited && /exited early \(1\)/.test(output) && /TWILIO_ACCOUNT_SID/.test(output) && /OWLBANK_DEV_OUTBOX=1/.test(output);
    record({ kind: "finding", finding: 6, name: "an outbox nobody may read is refused at start-up", held });
    expect(exited, "the server must not start").toBe(true);
    expect(output).toMatch(/exited early \(1\)/);
    expect(output).toMatch(/No SMS provider/);
    expect(output).toMatch(/TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
    expect(output).toMatch(/OWLBANK_DEV_OUTBOX=1/);
  });

  it("a non-local production start with no SMS provider exits non-zero with the message", async () => {
    const { exited, output } = await startOutcome({ ...NO_SMS, APP_URL: "https://bank.example", NEXTAUTH_URL: "https://bank.example" });
    const held = exited && /exited early \(1\)/.test(output) && /No SMS provider/.test(output);
    record({ kind: "finding", finding: 6, name: "a public start with no SMS provider stops", held });
    expect(exited, "the server must not start").toBe(true);
    expect(output).toMatch(/exited early \(1\)/);
    expect(output).toMatch(/No SMS provider[\s\S]*TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
  });

  it("a production server not asked for the outbox keeps no /dev/outbox page", async () => {
    // Codes by SMS through "Twilio" (never called here: the Service is resolved on first use).
    const server = await start({
      dir: newDir(),
      env: { ...NO_SMS, TWILIO_ACCOUNT_SID: newCredentials().accountSid, TWILIO_AUTH_TOKEN: "token", VERIFY_BASE_URL: "http://127.0.0.1:9" },
    });
    const res = await fetch(`${server.url}/dev/outbox`);
    await res.arrayBuffer();
    record({ kind: "finding", finding: 6, name: "no /dev/outbox in production unless asked for", held: res.status === 404 });
    expect(res.status).toBe(404);
    await stop(server);
  });

  it("a non-local production start never shows codes, even with OWLBANK_DEV_OUTBOX=1", async () => {
    const { exited, output } = await startOutcome({
      OWLBANK_DEV_OUTBOX: "1",
      APP_URL: "https://bank.example",
      NEXTAUTH_URL: "https://bank.example",
    });
    record({ kind: "finding", finding: 6, name: "OWLBANK_DEV_OUTBOX=1 refused on a public address", held: exited && /localhost URL/.test(output) });
    expect(exited, "the server must not start").toBe(true);
    expect(output).toMatch(/exited early \(1\)/);
    expect(output).toMatch(/OWLBANK_DEV_OUTBOX=1 shows every one-time code/);
  });
});

describe("several instances, one database: the same secrets or none", () => {
  it("an instance whose data folder holds other secrets is refused at start-up; the running one keeps its account", async () => {
    const credentials = newCredentials();
    const first = await start({ dir: newDir(), credentials });
    // Another host: the same database, but a data folder of its own, so a session secret of its own.
    let refusal = "";
    try {
      await start({ dir: newDir(), credentials, databaseUrl: first.databaseUrl });
    } catch (error) {
      refusal = (error as Error).message;
    }
    record({ kind: "finding", finding: 4, name: "an instance with another data folder's secrets is refused", held: /other secrets/.test(refusal) });
    expect(refusal).toMatch(/exited early \(1\)/);
    expect(refusal).toMatch(/set up by an instance with other secrets than this one's secrets\.json[^\n]*: NEXTAUTH_SECRET\./);
    expect(await statusFor(first, credentials.accountSid, credentials.authToken)).toBe(200);

    // The operator's own secret, in the environment, is a decision (a rotation), not an accident.
    const rotated = await start({ dir: newDir(), credentials, databaseUrl: first.databaseUrl, env: { NEXTAUTH_SECRET: randomBytes(32).toString("base64url") } });
    expect(await statusFor(rotated, credentials.accountSid, credentials.authToken)).toBe(200);
    await stop(rotated);
    await stop(first);
  });
});
