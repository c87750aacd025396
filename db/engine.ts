/**
 * Which database engine a `DATABASE_URL` names. Kept apart from lib/env.ts so that the schema
 * facade (db/schema/*.ts), scripts and test fixtures can ask without loading the whole config.
 */
import path from "node:path";

export type Engine = "sqlite" | "postgres";

export type DatabaseTarget = { engine: "sqlite"; file: string } | { engine: "postgres"; url: string };

/** What `DATABASE_URL` accepts, as start-up's error message lists it. */
export const ACCEPTED_DATABASE_URLS = [
  "file:./data/owlbank.db or a path (SQLite, the default)",
  ":memory: (SQLite, tests only)",
  "postgres://user:password@host:5432/database or postgresql://… (PostgreSQL)",
];

/**
 * Reads `DATABASE_URL`. A path, `file:…` and `:memory:` name a SQLite file; `postgres://` and
 * `postgresql://` a PostgreSQL database. Anything else with a scheme (`mysql:`, `libsql:`,
 * `postgress:`) is refused: read as a path, it would quietly create a SQLite file in a folder
 * named after the scheme and serve from it. A single letter before the colon is a Windows
 * drive, not a scheme.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === ":memory:") return { engine: "sqlite", file: ":memory:" };
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new Error(`DATABASE_URL is not a valid PostgreSQL URL. Accepted:\n  ${ACCEPTED_DATABASE_URLS.join("\n  ")}`);
    }
    if (!parsed.hostname && !parsed.searchParams.get("host")) {
      throw new Error("DATABASE_URL names PostgreSQL but no host: write postgres://user:password@host:5432/database");
    }
    if (parsed.pathname.length <= 1) {
      throw new Error("DATABASE_URL names PostgreSQL but no database: write postgres://user:password@host:5432/database");
    }
    return { engine: "postgres", url: trimmed };
  }
  if (trimmed.startsWith("file:")) {
    const file = trimmed.slice("file:".length);
    if (!file) throw new Error("DATABASE_URL is file: with no path: write file:./data/owlbank.db");
    return { engine: "sqlite", file: file === ":memory:" ? file : path.resolve(file) };
  }
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(trimmed);
  if (scheme) {
    throw new Error(
      `DATABASE_URL uses "${scheme[1]}:", which this server does not support. Accepted:\n  ${ACCEPTED_DATABASE_URLS.join("\n  ")}`,
    );
  }
  if (!trimmed) throw new Error(`DATABASE_URL is empty. Accepted:\n  ${ACCEPTED_DATABASE_URLS.join("\n  ")}`);
  return { engine: "sqlite", file: path.resolve(trimmed) };
}

const DEFAULT_DATABASE_URL = "file:./data/owlbank.db";

/**
 * The engine this process runs on, from its environment. The schema facade picks its tables
 * with it when first loaded; an unreadable URL falls back to SQLite here because lib/env.ts
 * refuses it at start-up with the full message before any query runs.
 */
export function processEngine(): Engine {
  try {
    return parseDatabaseUrl(process.env.DATABASE_URL || DEFAULT_DATABASE_URL).engine;
  } catch {
    return "sqlite";
  }
}
