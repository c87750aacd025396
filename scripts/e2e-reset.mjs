// Deletes the end-to-end database before the server under test opens it, so every run starts
// from an empty, freshly migrated database. Runs as the first half of Playwright's webServer
// command: the server must not have the file open yet, and globalSetup runs too late.
import fs from "node:fs";
import path from "node:path";

const url = process.env.DATABASE_URL ?? "";
const file = path.resolve(url.startsWith("file:") ? url.slice("file:".length) : url);
const testData = path.resolve("data", "test");

// A guard, not a feature: a mistyped DATABASE_URL must never wipe a real database.
if (!url || !file.startsWith(testData + path.sep)) {
  console.error(`e2e-reset: refusing to delete ${file || "(no DATABASE_URL)"}: only files under ${testData} are wiped`);
  process.exit(1);
}

for (const suffix of ["", "-wal", "-shm", "-journal"]) {
  fs.rmSync(file + suffix, { force: true });
}
// The phone numbers the fixtures handed out against the previous server (e2e/owlbank/fixtures.ts).
fs.rmSync(path.join(path.dirname(file), "issued-phones.txt"), { force: true });
console.log(`e2e-reset: wiped ${path.relative(process.cwd(), file)}`);
