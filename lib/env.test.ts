import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./env";

const dirs: string[] = [];
function dataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owlbank-env-"));
  dirs.push(dir);
  return path.join(dir, "data");
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const ACCOUNT = { VERIFY_ACCOUNT_SID: `AC${"1".repeat(32)}`, VERIFY_AUTH_TOKEN: "2".repeat(32) };
const secretsIn = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "secrets.json"), "utf8")) as Record<string, string>;
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("Verify credentials", () => {
  it("generates an account and an API key when none is configured, and keeps them", () => {
    const dir = dataDir();
    const env = { DATABASE_URL: `file:${dir}/x.db` };
    const first = loadConfig(env);
    expect(first.generatedNow).toEqual({ account: true, apiKey: true });
    expect(first.verifyAccount.apiKeySid).toMatch(/^SK/);
    const second = loadConfig(env);
    expect(second.generatedNow).toEqual({ account: false, apiKey: false });
    expect(second.verifyAccount).toEqual(first.verifyAccount);
  });

  it("keeps no generated credential for an account the operator configured", () => {
    const dir = dataDir();
    const c = loadConfig({ DATABASE_URL: `file:${dir}/x.db`, ...ACCOUNT });
    expect(c.verifyAccount).toEqual({ accountSid: ACCOUNT.VERIFY_ACCOUNT_SID, authToken: ACCOUNT.VERIFY_AUTH_TOKEN });
    expect(Object.keys(secretsIn(dir))).toEqual(["authSecret"]);
    expect(c.generatedNow).toEqual({ account: false, apiKey: false });
  });

  it("drops generated credentials from data/secrets.json once the operator configures the account", () => {
    const dir = dataDir();
    const generated = loadConfig({ DATABASE_URL: `file:${dir}/x.db` });
    const configured = loadConfig({ DATABASE_URL: `file:${dir}/x.db`, ...ACCOUNT });
    expect(Object.keys(secretsIn(dir))).toEqual(["authSecret"]);
    expect(configured.authSecret, "the session secret survives").toBe(generated.authSecret);
  });

  it("gives a configured API key to a generated account without generating another key", () => {
    const dir = dataDir();
    const key = { VERIFY_API_KEY_SID: `SK${"3".repeat(32)}`, VERIFY_API_KEY_SECRET: "a-secret-of-the-operator" };
    const c = loadConfig({ DATABASE_URL: `file:${dir}/x.db`, ...key });
    expect(c.verifyAccount.apiKeySid).toBe(key.VERIFY_API_KEY_SID);
    expect(c.generatedNow).toEqual({ account: true, apiKey: false });
    expect(secretsIn(dir).verifyApiKeySid).toBeUndefined();
  });

  it.each([
    [{ VERIFY_ACCOUNT_SID: ACCOUNT.VERIFY_ACCOUNT_SID }, "VERIFY_AUTH_TOKEN"],
    [{ VERIFY_API_KEY_SECRET: "a-secret-of-the-operator" }, "VERIFY_API_KEY_SID"],
    [{ TWILIO_ACCOUNT_SID: ACCOUNT.VERIFY_ACCOUNT_SID }, "TWILIO_AUTH_TOKEN"],
  ])("refuses half of a credential pair (%o)", (half, missing) => {
    expect(() => loadConfig({ DATABASE_URL: `file:${dataDir()}/x.db`, ...half })).toThrow(missing);
  });
});

describe("data folder", () => {
  it("is the owner's alone: the folder 0700, data/secrets.json 0600, even when made looser before", () => {
    const dir = dataDir();
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "secrets.json"), JSON.stringify({ authSecret: "x".repeat(43) }), { mode: 0o644 });
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, "secrets.json"), 0o644);
    loadConfig({ DATABASE_URL: `file:${dir}/x.db` });
    expect(mode(dir).toString(8)).toBe("700");
    expect(mode(path.join(dir, "secrets.json")).toString(8)).toBe("600");
  });
});

describe("DATABASE_URL", () => {
  const load = (url: string, more: Record<string, string> = {}) =>
    loadConfig({ DATABASE_URL: url, ...ACCOUNT, ...more });

  it("reads a path, file: and :memory: as SQLite", () => {
    const dir = dataDir();
    expect(load(`file:${dir}/x.db`).database).toEqual({ engine: "sqlite", file: `${dir}/x.db` });
    expect(load(`${dir}/y.db`).database).toEqual({ engine: "sqlite", file: `${dir}/y.db` });
    expect(load(":memory:").database).toEqual({ engine: "sqlite", file: ":memory:" });
  });

  it("reads postgres:// and postgresql:// as PostgreSQL, keeping secrets in ./data", () => {
    const c = load("postgres://app:pw@db.internal:5432/owlbank");
    expect(c.database).toEqual({ engine: "postgres", url: "postgres://app:pw@db.internal:5432/owlbank" });
    expect(load("postgresql://app@db.internal/owlbank").database.engine).toBe("postgres");
    expect(c.databasePool).toEqual({ poolSize: 10, timeoutSeconds: 5 });
  });

  it("keeps the secrets of a PostgreSQL installation in OWLBANK_DATA_DIR when set", () => {
    const dir = dataDir();
    loadConfig({ DATABASE_URL: "postgres://app@db.internal/owlbank", OWLBANK_DATA_DIR: dir });
    expect(mode(dir)).toBe(0o700);
    expect(Object.keys(secretsIn(dir))).toContain("authSecret");
  });

  it("refuses any other scheme, listing what is accepted, instead of creating a file named after it", () => {
    for (const url of ["mysql://root@localhost/app", "libsql://db.turso.io", "postgress://app@host/db", "sqlite://x.db"]) {
      const scheme = url.slice(0, url.indexOf(":"));
      expect(() => load(url), url).toThrow(new RegExp(`"${scheme}:".*not support[\\s\\S]*postgres://`));
    }
    expect(fs.existsSync(path.resolve("mysql:")), "no folder named after the scheme").toBe(false);
  });

  it("refuses a PostgreSQL URL with no host or no database", () => {
    expect(() => load("postgres://app@db.internal:5432")).toThrow(/no database/);
    expect(() => load("postgres:///owlbank")).toThrow(/no host/);
  });

  it("validates the pool size and timeout", () => {
    const url = "postgres://app@db.internal/owlbank";
    expect(load(url, { DATABASE_POOL_SIZE: "25", DATABASE_TIMEOUT_SECONDS: "10" }).databasePool).toEqual({ poolSize: 25, timeoutSeconds: 10 });
    expect(() => load(url, { DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => load(url, { DATABASE_POOL_SIZE: "lots" })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => load(url, { DATABASE_TIMEOUT_SECONDS: "600" })).toThrow(/DATABASE_TIMEOUT_SECONDS/);
  });
});
