import { type Column, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { type Db, dbAt } from "@/db/client";
import { config } from "@/lib/env";

/** The application's database, at `DATABASE_URL`. */
export const db = () => dbAt(config().databaseFile);

/**
 * Statements built once per connection and reused. Drizzle otherwise rebuilds the SQL and
 * SQLite re-prepares it on every call, which profiling showed costing more per sign-in than
 * the signature check (bench/README.md). Use for hot-path queries.
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
 * and re-prepare the SQL on every Challenges and Factors create.
 */
export function preparedInsert<T extends SQLiteTable>(table: T, options: { ignoreConflict?: boolean } = {}) {
  const keys = Object.keys(getTableColumns(table));
  const statement = prepared((d) => {
    const insert = d.insert(table).values(placeholders(keys) as T["$inferInsert"]);
    return (options.ignoreConflict ? insert.onConflictDoNothing() : insert).prepare();
  });
  /** Runs the insert; the number of rows written (0 when a conflict was ignored). */
  return (row: T["$inferSelect"]): number => {
    const values = driverValues(table, row);
    // A missing column would otherwise be written as NULL rather than its default.
    for (const key of keys) if (!(key in values)) throw new Error(`No value for column ${key}`);
    return statement().run(values).changes;
  };
}
