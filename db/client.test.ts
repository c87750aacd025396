import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { databaseUrl } from "../scripts/postgres.mjs";
import { type Connection, migrationsFolder, openDatabase } from "./client";
import { outbox } from "./schema/owlbank";

const execFileAsync = promisify(execFile);

/** Opens `file` in a separate process at the instant `at` (db/testing/open-at.mts). */
async function openAt(file: string, at: number): Promise<string> {
  const { stdout } = await execFileAsync(path.resolve("node_modules/.bin/tsx"), [path.resolve("db/testing/open-at.mts"), file, String(at)]);
  return stdout.trim();
}

const opened: Connection[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

const message = (id: string) => ({ id, phoneNumber: "+14155550100", body: id, createdAt: 1, expiresAt: 2 });
const ids = async (c: Connection) => (await c.db.select({ id: outbox.id }).from(outbox)).map((r) => r.id).sort();

describe("SQLite connection", () => {
  it("keeps another request's statement out of an open transaction, so a rollback cannot take it along", async () => {
    const c = openDatabase({ engine: "sqlite", file: ":memory:" }, { poolSize: 1, timeoutSeconds: 5 });
    opened.push(c);
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));

    const rolledBack = c
      .transaction(async (tx) => {
        await tx.insert(outbox).values(message("in-transaction"));
        inside();
        // The transaction waits on something else (a timer here, a signature check in real
        // code) while another request writes.
        await paused;
        throw new Error("abandoned");
      })
      .catch((error: Error) => error.message);

    await started;
    const outside = c.db.insert(outbox).values(message("outside"));
    release();
    await outside;
    expect(await rolledBack).toBe("abandoned");
    expect(await ids(c)).toEqual(["outside"]);
  });

  it("migrates a fresh file once when several processes open it at the same moment; none fails", async () => {
    // drizzle's migrator failed here: a process that had read "nothing applied yet" waited
    // for the first one's write lock, then re-ran its CREATE TABLEs ("table already exists").
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owlbank-race-"));
    const expected = readMigrationFiles({ migrationsFolder: migrationsFolder("sqlite") }).length;
    try {
      for (let round = 0; round < 3; round++) {
        const file = path.join(dir, `race-${round}.db`);
        const at = Date.now() + 4000;
        const answers = await Promise.all(Array.from({ length: 5 }, () => openAt(file, at)));
        expect(answers).toEqual(Array(5).fill("ok"));
        const sqlite = new Database(file, { readonly: true });
        const applied = sqlite.prepare("SELECT count(*) FROM __drizzle_migrations").pluck();
        expect(applied.get()).toBe(expected);
        expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
        sqlite.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("runs transactions begun at the same moment one after the other", async () => {
    const c = openDatabase({ engine: "sqlite", file: ":memory:" }, { poolSize: 1, timeoutSeconds: 5 });
    opened.push(c);
    await Promise.all(
      ["a", "b", "c"].map((id) =>
        c.transaction(async (tx) => {
          await tx.insert(outbox).values(message(id));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }),
      ),
    );
    expect(await ids(c)).toEqual(["a", "b", "c"]);
  });

  it("runs a transaction's own statements while it holds the connection, and commits them", async () => {
    const c = openDatabase({ engine: "sqlite", file: ":memory:" }, { poolSize: 1, timeoutSeconds: 5 });
    opened.push(c);
    await c.transaction(async (tx) => {
      await tx.insert(outbox).values(message("a"));
      await tx.update(outbox).set({ body: "changed" }).where(eq(outbox.id, "a"));
    });
    expect(await c.db.select({ body: outbox.body }).from(outbox)).toEqual([{ body: "changed" }]);
  });
});

const adminUrl = inject("postgresAdminUrl");

describe.runIf(adminUrl)("PostgreSQL connection", () => {
  async function freshDatabase(): Promise<string> {
    const name = `owlbank_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    return databaseUrl(adminUrl!, name);
  }

  it("migrates once when several instances start together on an empty database", async () => {
    const url = await freshDatabase();
    const instances = Array.from({ length: 4 }, () => openDatabase({ engine: "postgres", url }, { poolSize: 2, timeoutSeconds: 10 }));
    opened.push(...instances);
    await Promise.all(instances.map((i) => i.ready));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("select count(*)::int as n from drizzle.__drizzle_migrations");
    await client.end();
    expect(rows).toEqual([{ n: readMigrationFiles({ migrationsFolder: migrationsFolder("postgres") }).length }]);
  });

  it("commits durably and prepares every statement once per connection", async () => {
    const url = await freshDatabase();
    // A server or database set to acknowledge commits before they are on disk is overridden.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`alter database "${new URL(url).pathname.slice(1)}" set synchronous_commit = off`);
    await admin.end();
    const c = openDatabase({ engine: "postgres", url }, { poolSize: 1, timeoutSeconds: 10 });
    opened.push(c);
    await c.ready;
    const pool = (c.db as unknown as { $client: pg.Pool }).$client;
    const setting = await pool.query<{ synchronous_commit: string }>("show synchronous_commit");
    expect(setting.rows).toEqual([{ synchronous_commit: "on" }]);
    for (let i = 0; i < 3; i++) await c.db.select().from(outbox).where(eq(outbox.id, `m${i}`));
    // One connection: the query above was parsed once and then reused under its name.
    const prepared = await pool.query<{ statement: string }>("select statement from pg_prepared_statements");
    expect(prepared.rows.filter((r) => r.statement.includes('from "owlbank_outbox"'))).toHaveLength(1);
  });

  it("fails `ready` with the server's reason when the database cannot be reached", async () => {
    const url = databaseUrl(adminUrl!.replace(/:\d+\//, ":1/"), "nowhere");
    const c = openDatabase({ engine: "postgres", url }, { poolSize: 1, timeoutSeconds: 2 });
    opened.push(c);
    await expect(c.ready).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
