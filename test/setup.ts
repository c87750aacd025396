// Every test file runs against a fresh in-memory SQLite database with the real migrations.
process.env.DATABASE_URL = ":memory:";
(globalThis as { owlbankDb?: unknown }).owlbankDb = undefined;
