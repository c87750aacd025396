import { getTableColumns, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { type Db, dbAt } from "@/db/client";
import { config } from "@/lib/env";

/** The application's database, at `DATABASE_URL`. */
export const db = () => dbAt(config().databaseFile);

/**
 * Statements built once per connection and reused. Drizzle otherwise rebuilds the SQL and
 * SQLite re-prepares it on every call, which profiling showed costing more per sign-in than
 * the signature check (bench/README in the main README). Use for hot-path queries.
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

/**
 * `INSERT` of a whole row, prepared once per connection: `insert().values(row)` would rebuild
 * and re-prepare the SQL on every Challenges and Factors create. Every column is a
 * placeholder filled through the column's own mapping (JSON, booleans), so the row is the
 * same object a one-off insert takes.
 */
export function preparedInsert<T extends SQLiteTable>(table: T, options: { ignoreConflict?: boolean } = {}) {
  const placeholders = Object.fromEntries(Object.keys(getTableColumns(table)).map((key) => [key, sql.placeholder(key)]));
  const statement = prepared((d) => {
    const insert = d.insert(table).values(placeholders as T["$inferInsert"]);
    return (options.ignoreConflict ? insert.onConflictDoNothing() : insert).prepare();
  });
  /** Runs the insert; the number of rows written (0 when a conflict was ignored). */
  return (row: T["$inferSelect"]): number => statement().run(row as Record<string, unknown>).changes;
}
