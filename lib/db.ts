import { type Column, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { type Connection, type Db, openDatabase, type Tx } from "@/db/client";
import type { DatabaseTarget } from "@/db/engine";
import { config } from "@/lib/env";

export type { Db, Tx } from "@/db/client";

type Open = { key: string; connection: Connection; ready: Promise<void> };

/**
 * Kept on `globalThis` so Next's dev-mode module reloads do not open a new connection (or
 * pool) per edit, and so tests can swap the database between files.
 */
const globalForDb = globalThis as unknown as { owlbankDb?: Open };

const keyOf = (target: DatabaseTarget) => (target.engine === "sqlite" ? `sqlite:${target.file}` : target.url);

/** The process-wide connection to `DATABASE_URL`, opened (and migrated) on first use. */
export function connection(): Open {
  const { database, databasePool } = config();
  const key = keyOf(database);
  if (globalForDb.owlbankDb?.key !== key) {
    const { ready, ...opened } = openDatabase(database, databasePool);
    // A rejection is handled by whoever awaits `ready` (start-up); this keeps Node from also
    // reporting it as unhandled.
    ready.catch(() => {});
    globalForDb.owlbankDb = { key, connection: opened, ready };
  }
  return globalForDb.owlbankDb;
}

/** The application's database. */
export const db = (): Db => connection().connection.db;

/** Settles when the database's migrations have run; start-up and test set-up await it. */
export const databaseReady = (): Promise<void> => connection().ready;

/** Which engine this process runs on. */
export const engine = () => connection().connection.engine;

/**
 * Runs `work` in one transaction (see `Connection.transaction` for the isolation each engine
 * gives). Keep transactions short and free of network calls: on SQLite every other query of
 * the process waits for them.
 */
export function transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
  return connection().connection.transaction(work);
}

/** Closes the connection (tests and scripts; a server keeps it until it exits). */
export async function closeDb(): Promise<void> {
  const open = globalForDb.owlbankDb;
  globalForDb.owlbankDb = undefined;
  await open?.connection.close();
}

/**
 * Statements built once per connection and reused. Drizzle otherwise rebuilds the SQL on
 * every call, which profiling showed costing more per sign-in than the signature check
 * (bench/README.md); both drivers then reuse the database's own prepared statement for it
 * (db/client.ts). Use for hot-path queries, and run them with `.execute(values)`.
 */
export function prepared<T>(build: (d: Db) => T): () => T {
  const byConnection = new WeakMap<Db, T>();
  return () => {
    const d = db();
    let statements = byConnection.get(d);
    if (!statements) {
      statements = build(d);
      byConnection.set(d, statements);
    }
    return statements;
  };
}

/** A value as drizzle's one-off queries send it: NULL stays NULL, the rest goes through the column's mapping. */
function toDriver(column: Column, value: unknown): unknown {
  return value === null ? null : column.mapToDriverValue(value);
}

/**
 * Values for a prepared statement whose placeholders are named after `table`'s columns.
 * Drizzle would map a bare placeholder's value even when it is null (a NULL boolean became
 * 0), so the statements take `sql` placeholders and the mapping happens here instead.
 */
export function driverValues<T extends SQLiteTable>(table: T, values: Partial<T["$inferSelect"]>): Record<string, unknown> {
  const columns = getTableColumns(table);
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => {
      const column = columns[key];
      if (!column) throw new Error(`${key} is not a column of this table`);
      if (value === undefined) throw new Error(`No value for column ${key}`);
      return [key, toDriver(column, value)];
    }),
  );
}

/**
 * A placeholder wrapped in `sql`, for `values()` and `set()`: `set()` takes SQL, not a bare
 * placeholder, and drizzle leaves the value of an `sql` one unmapped (see `driverValues`).
 */
export const sqlPlaceholder = (name: string): SQL => sql`${sql.placeholder(name)}`;

/** `sqlPlaceholder`s named after `keys`. */
export function placeholders<K extends string>(keys: readonly K[]): Record<K, SQL> {
  return Object.fromEntries(keys.map((key) => [key, sqlPlaceholder(key)])) as Record<K, SQL>;
}

/**
 * `INSERT` of a whole row, prepared once per connection: `insert().values(row)` would rebuild
 * the SQL on every Challenges and Factors create.
 */
export function preparedInsert<T extends SQLiteTable>(table: T, options: { ignoreConflict?: boolean } = {}) {
  const keys = Object.keys(getTableColumns(table));
  const statement = prepared((d) => {
    const insert = d.insert(table).values(placeholders(keys) as T["$inferInsert"]);
    // RETURNING counts the rows written the same way on both engines.
    return (options.ignoreConflict ? insert.onConflictDoNothing() : insert).returning({ written: sql<number>`1` }).prepare();
  });
  /** Runs the insert; the number of rows written (0 when a conflict was ignored). */
  return async (row: T["$inferSelect"]): Promise<number> => {
    const values = driverValues(table, row);
    // A missing column would otherwise be written as NULL rather than its default.
    for (const key of keys) if (!(key in values)) throw new Error(`No value for column ${key}`);
    return (await statement().execute(values)).length;
  };
}

const CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout|Client was closed and is not queryable)/;

/** What a failed query says, in terms both engines share. */
export type DatabaseFailure = "unique_violation" | "foreign_key_violation" | "unavailable";

/**
 * Classifies an error thrown by a query (drizzle wraps the driver's error as `cause`), so
 * callers can treat a lost race on a unique index the same on both engines. `unavailable`
 * means the database could not be reached or answer in time: the request gets a 503.
 */
export function databaseFailure(error: unknown): DatabaseFailure | undefined {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    // node-postgres reports a connection lost mid-query (the server killed or restarted), and
    // its own connect and read timeouts, by message alone.
    if (typeof e.message === "string" && CONNECTION_LOST.test(e.message)) return "unavailable";
    const code = typeof e.code === "string" ? e.code : undefined;
    if (!code) continue;
    // SQLite (better-sqlite3) codes, then PostgreSQL SQLSTATEs.
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505") return "unique_violation";
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503") return "foreign_key_violation";
    if (
      code === "SQLITE_BUSY" ||
      // Connection refused/reset/timed out, postgres.js's own connection errors, and the
      // server shutting down, starting up, out of connections, or a statement/lock timeout.
      ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"].includes(code) ||
      /^(08|53|57P)/.test(code) ||
      code === "57014" ||
      code === "55P03"
    ) {
      return "unavailable";
    }
  }
  return undefined;
}
