/**
 * The test fixtures' own door into the database of the server under test, on either engine:
 * the SQLite file it writes (WAL, so reading beside it is safe), or its PostgreSQL database.
 * SQL is written once with `?` placeholders and portable syntax; on PostgreSQL the
 * placeholders become `$1…`, bigint columns come back as numbers and booleans as 1/0, so
 * rows look the same as SQLite's.
 */
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { E2E_DATABASE_URL } from "./env";

export type Target = { engine: "sqlite"; file: string } | { engine: "postgres"; url: string };

/** `postgres://…` or a SQLite `file:`/path URL, as DATABASE_URL takes them. */
export function targetOf(url: string): Target {
  if (/^postgres(ql)?:\/\//.test(url)) return { engine: "postgres", url };
  return { engine: "sqlite", file: path.resolve(url.startsWith("file:") ? url.slice("file:".length) : url) };
}

const pools = new Map<string, pg.Pool>();

/** bigint (int8) as a number, as SQLite returns integers; the values here fit in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

function postgresPool(url: string): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    // Closes idle connections, so a finished test process is not held open by them.
    pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true, types });
    pool.on("error", () => {});
    pools.set(url, pool);
  }
  return pool;
}

const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

const sqliteRow = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === "boolean" ? Number(value) : value]));

/** Runs one statement and returns its rows (none for a write without RETURNING). */
export async function query<T = Record<string, unknown>>(target: Target, text: string, ...params: unknown[]): Promise<T[]> {
  if (target.engine === "postgres") {
    const { rows } = await postgresPool(target.url).query(numbered(text), params);
    return rows.map((row) => sqliteRow(row)) as T[];
  }
  const db = new Database(target.file, { fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  // Cleanup relies on ON DELETE CASCADE, which SQLite enforces per connection.
  db.pragma("foreign_keys = ON");
  try {
    const statement = db.prepare(text);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  } finally {
    db.close();
  }
}

/** The names of the tables whose name starts with `prefix`. */
export async function tablesLike(target: Target, prefix: string): Promise<string[]> {
  const rows =
    target.engine === "postgres"
      ? await query<{ name: string }>(target, "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE ?", `${prefix}%`)
      : await query<{ name: string }>(target, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?", `${prefix}%`);
  return rows.map((r) => r.name).filter((name) => name.startsWith(prefix));
}

/** The database of the server under test (E2E_DATABASE_URL), for every fixture that reads or writes it. */
export const E2E_TARGET: Target = targetOf(E2E_DATABASE_URL);
