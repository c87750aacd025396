// Empties the end-to-end database before the server under test opens it, so every run starts
// from an empty, freshly migrated database. Runs as the first half of Playwright's webServer
// command: the server must not have the database open yet, and globalSetup runs too late.
// SQLite: deletes the file. PostgreSQL: drops and recreates the database.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

const url = process.env.DATABASE_URL ?? "";
const testData = path.resolve("data", "test");

if (/^postgres(ql)?:\/\//.test(url)) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  // A guard, not a feature: only a test database on this machine is ever dropped.
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(target.hostname);
  if (!local || !/^owlbank_(e2e|test|security|bench)\w*$/.test(name)) {
    console.error(`e2e-reset: refusing to drop ${name} on ${target.hostname}: only owlbank_e2e*/owlbank_test* databases on localhost are reset`);
    process.exit(1);
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`drop database if exists "${name}" with (force)`);
  await client.query(`create database "${name}"`);
  await client.end();
  console.log(`e2e-reset: recreated PostgreSQL database ${name}`);
} else {
  const file = path.resolve(url.startsWith("file:") ? url.slice("file:".length) : url);
  if (!url || !file.startsWith(testData + path.sep)) {
    console.error(`e2e-reset: refusing to delete ${file || "(no DATABASE_URL)"}: only files under ${testData} are wiped`);
    process.exit(1);
  }
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    fs.rmSync(file + suffix, { force: true });
  }
  console.log(`e2e-reset: wiped ${path.relative(process.cwd(), file)}`);
}
// The phone numbers the fixtures handed out against the previous server (e2e/owlbank/fixtures.ts).
fs.mkdirSync(testData, { recursive: true });
fs.rmSync(path.join(testData, "issued-phones.txt"), { force: true });
