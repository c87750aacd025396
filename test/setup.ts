// Every test file runs against a fresh database with the real migrations: in-memory SQLite,
// or with OWLBANK_TEST_ENGINE=postgres a copy of the migrated template (test/global-setup.ts).
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
// As `npm start` does: the app refuses to name a client address without it (lib/client-address.ts).
import "../server/peer-address.mjs";

const adminUrl = inject("postgresAdminUrl");
if (adminUrl) {
  const { default: pg } = await import("pg");
  const { databaseUrl } = await import("../scripts/postgres.mjs");
  const name = `owlbank_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}" template "owlbank_test_template"`);
  await admin.end();
  process.env.DATABASE_URL = databaseUrl(adminUrl, name);
} else {
  process.env.DATABASE_URL = ":memory:";
}
(globalThis as { owlbankDb?: unknown }).owlbankDb = undefined;

// The schema facade picks its tables from DATABASE_URL when first loaded: only now.
const { closeDb, databaseReady } = await import("@/lib/db");
await databaseReady();
afterAll(() => closeDb());
