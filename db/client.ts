/**
 * The SQLite connection, opened once per process and migrated on open. Kept on
 * `globalThis` so Next's dev-mode module reloads do not open a new handle per edit.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as owlbank from "./schema/owlbank";
import * as verify from "./schema/verify";

export const schema = { ...verify, ...owlbank };
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/**
 * Makes the database file readable by its owner only before SQLite opens it: it holds
 * credential hashes, passkeys and customers' details. SQLite gives the -wal and -shm files
 * it creates the database file's mode; ones left by an earlier, looser start are narrowed
 * here too. The folder is the owner's alone as well (lib/env.ts does the same for data/).
 */
function createPrivately(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // "a" creates the file if it is missing and never truncates it; the mode applies only on creation.
  fs.closeSync(fs.openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o777) !== 0o600) fs.chmodSync(f, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      // A file someone else owns is theirs to protect; refusing to open it would not help.
      if (code !== "EPERM") throw error;
      console.warn(`[db] could not restrict ${f} to mode 600: ${(error as Error).message}`);
    }
  }
}

/**
 * Durability: WAL with synchronous=NORMAL. A commit is in the WAL file before the response
 * is sent, so an acknowledged write survives the process being killed (SIGKILL included:
 * the security suite's crash rounds prove it) and the database is never corrupted. What
 * NORMAL gives up against FULL is the fsync on every commit: after a power cut or kernel
 * crash the last commits since the WAL was last synced may be rolled back. FULL's fsync
 * blocked the event loop for every write and capped sign-ins at a fraction of the
 * framework's floor (see bench/README.md). busy_timeout lets a second process (a test
 * fixture, a script) wait for the writer instead of failing.
 */
export function openDb(file: string): Db {
  if (file !== ":memory:") createPrivately(file);
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return db;
}

const globalForDb = globalThis as unknown as { owlbankDb?: { file: string; db: Db } };

/** The process-wide database at `file` (from config), opened and migrated on first use. */
export function dbAt(file: string): Db {
  if (globalForDb.owlbankDb?.file !== file) {
    globalForDb.owlbankDb = { file, db: openDb(file) };
  }
  return globalForDb.owlbankDb.db;
}
