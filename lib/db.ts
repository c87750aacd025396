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
