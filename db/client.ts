/**
 * The database connection: SQLite (better-sqlite3, the default) or PostgreSQL (node-postgres),
 * chosen by `DATABASE_URL` (db/engine.ts). Both are driven through one asynchronous drizzle
 * API, so every repository writes each query once; what differs per engine is here and only
 * here: opening, migrating, transactions and the driver.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { drizzle as drizzleSqliteAsync, type SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import pg from "pg";
import type { DatabaseTarget, Engine } from "./engine";
import * as owlbank from "./schema/owlbank";
import * as verify from "./schema/verify";

export const schema = { ...verify, ...owlbank };

/**
 * The one query API repositories use. It is typed as drizzle's asynchronous SQLite database;
 * on PostgreSQL the object is drizzle's node-postgres database over the PostgreSQL tables, whose
 * builders take the same calls. Repositories therefore keep to what both dialects share:
 * `await` a builder (never `.get()`/`.all()`/`.run()`), count changes with `.returning()`, and
 * run multi-statement work through `Connection.transaction`.
 */
export type Db = SqliteRemoteDatabase<typeof schema>;

/** A transaction: the same query API, plus `rollback()` (throws, undoing the transaction). */
export type Tx = Db & { rollback(): never };

export const migrationsFolder = (engine: Engine) => path.join(process.cwd(), "db", "migrations", engine === "postgres" ? "pg" : "sqlite");

export type Connection = {
  engine: Engine;
  db: Db;
  /**
   * Runs `work` in one transaction and returns its result; a thrown error rolls it back.
   * The isolation it gets is named per engine below; every caller is written to be correct
   * under the weaker of the two (PostgreSQL's READ COMMITTED): guarded writes, never a
   * read-then-write decision that another transaction could invalidate.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type PoolOptions = {
  /** Connections per process (PostgreSQL). */
  poolSize: number;
  /** Longest a query may wait for a connection or run, in seconds (PostgreSQL). */
  timeoutSeconds: number;
};

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
 * One SQLite connection serves the whole process, and a transaction on it spans `await`s.
 * Without this lock a statement of another request, run while a transaction waits between
 * two of its statements, would become part of it (and be rolled back with it). So a
 * transaction holds the connection: statements from outside it wait until it ends, and the
 * ones from inside (recognised by their async context) run at once. This is the connection
 * mutex Kysely's SQLite dialect uses.
 */
class ConnectionLock {
  private holder: symbol | undefined;
  private waiting: (() => void)[] = [];
  readonly context = new AsyncLocalStorage<symbol>();

  /** True when the caller may use the connection now. */
  free(): boolean {
    return this.holder === undefined || this.context.getStore() === this.holder;
  }

  /** Settles when the holder lets go; the caller must check `free()` again (another may take it first). */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  async hold<T>(work: () => Promise<T>): Promise<T> {
    // A transaction inside this one (drizzle makes it a savepoint) already holds the connection.
    if (this.holder !== undefined && this.context.getStore() === this.holder) return await work();
    // Checked and taken in the same turn: an `await` between the two would let another take it too.
    while (!this.free()) await this.wait();
    const token = Symbol("transaction");
    this.holder = token;
    try {
      return await this.context.run(token, work);
    } finally {
      this.holder = undefined;
      for (const resolve of this.waiting.splice(0)) resolve();
    }
  }
}

/** How long a SQLite statement waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Switches a file to WAL. On a fresh file opened by several processes at once, SQLite can
 * answer SQLITE_BUSY to the switch without calling the busy handler, so it is retried here
 * within the same time limit as any other statement.
 */
function enterWal(sqlite: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      sqlite.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      // Start-up only, before the server answers anything: blocking the thread costs nothing.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * Applies SQLite migrations once, however many processes open a fresh file together. drizzle's
 * own migrator reads the last applied migration before its (deferred) BEGIN, so a second
 * process either failed with SQLITE_BUSY when its read lock could not be upgraded or, having
 * waited, re-ran migrations the first had applied. Here the check and the migrations run in
 * one IMMEDIATE transaction: the write lock is taken first (waiting out busy_timeout), and
 * whoever gets it second finds nothing left to do. The bookkeeping table is drizzle's, so
 * drizzle-kit reads it as usual.
 */
function migrateSqlite(sqlite: Database.Database): void {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder("sqlite") });
  sqlite.exec("BEGIN IMMEDIATE");
  try {
    sqlite.exec("CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)");
    const lastApplied = sqlite.prepare("SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1").pluck();
    const last = lastApplied.get() as number | string | undefined;
    for (const migration of migrations) {
      if (last !== undefined && Number(last) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) sqlite.exec(statement);
      sqlite.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)").run(migration.hash, migration.folderMillis);
    }
    sqlite.exec("COMMIT");
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    throw error;
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
 * fixture, a script, another instance) wait for the writer instead of failing.
 *
 * Isolation: SQLite transactions are serializable; ours begin IMMEDIATE, taking the write
 * lock at once, so two processes never both read and then both write.
 */
function openSqlite(file: string): Connection {
  if (file !== ":memory:") createPrivately(file);
  const sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  enterWal(sqlite);
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  migrateSqlite(sqlite);

  // Every statement is prepared once and reused, keyed by its SQL text: the hot paths' SQL
  // is fixed, so this is what preparing them by hand used to buy (bench/README.md).
  const statements = new Map<string, Database.Statement>();
  const statement = (text: string) => {
    let s = statements.get(text);
    if (!s) {
      if (statements.size >= 1000) statements.clear();
      s = sqlite.prepare(text);
      statements.set(text, s);
    }
    return s;
  };
  const lock = new ConnectionLock();
  const execute = (text: string, params: unknown[], method: "run" | "all" | "values" | "get") => {
    const s = statement(text);
    if (!s.reader) return { rows: [], changes: s.run(...params).changes };
    s.raw(true);
    return { rows: method === "get" ? (s.get(...params) as unknown[]) : (s.all(...params) as unknown[]) };
  };
  const db = drizzleSqliteAsync(
    async (text, params, method) => {
      // Runs in the same turn as the check, so no transaction can begin in between.
      while (!lock.free()) await lock.wait();
      return execute(text, params, method);
    },
    { schema },
  );
  return {
    engine: "sqlite",
    db,
    transaction: (work) => lock.hold(() => db.transaction((tx) => work(tx as unknown as Tx), { behavior: "immediate" })),
    close: async () => {
      sqlite.close();
    },
  };
}

/**
 * PostgreSQL through node-postgres (`pg`), chosen over postgres.js by measurement
 * (docs/decisions.md). Every query runs as a named prepared statement on its connection,
 * named after its SQL text, so the hot paths are parsed and planned once per connection.
 * Durability: `synchronous_commit = on` for this application's sessions, so a commit is
 * flushed to the WAL on disk before it is acknowledged, whatever the server's default.
 * Isolation: READ COMMITTED, PostgreSQL's default: exactly-once and never-negative guarantees
 * are single guarded statements (`UPDATE … WHERE status = 'pending' RETURNING`, `balance >=
 * amount`, unique indexes), which READ COMMITTED re-checks against the latest committed row
 * after waiting for a concurrent writer, so nothing stronger is needed.
 */
function openPostgres(url: string, options: PoolOptions): Connection & { pool: pg.Pool } {
  const timeoutMs = options.timeoutSeconds * 1000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    // A database that is down or unreachable must fail the request, not hang it.
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs * 2,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: timeoutMs * 2,
    idleTimeoutMillis: 60_000,
    application_name: "owlbank-passkeys",
    options: "-c synchronous_commit=on",
  });
  // A pooled connection the server drops (restart, failover) is reported here; without a
  // listener it would crash the process. The pool replaces it on the next query.
  pool.on("error", (error) => console.warn(`[db] PostgreSQL connection lost: ${error.message}`));
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((config: unknown, ...rest: unknown[]) =>
      query(typeof config === "object" && config !== null && "text" in config && !("name" in config && config.name) ? { ...config, name: statementName((config as { text: string }).text) } : config, ...rest)) as typeof client.query;
  });
  const db = drizzlePostgres(pool, { schema }) as unknown as Db;
  return {
    engine: "postgres",
    pool,
    db,
    transaction: (work) =>
      (db as unknown as ReturnType<typeof drizzlePostgres>).transaction((tx) => work(tx as unknown as Tx), { isolationLevel: "read committed" }),
    close: () => pool.end(),
  };
}

/** A prepared statement's name, the same for the same SQL on every connection. */
function statementName(text: string): string {
  return `q_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
}

/** An arbitrary constant naming "this application's migrations" among advisory locks. */
const MIGRATION_LOCK = 0x6f776c62; // "owlb"

/**
 * Applies PostgreSQL migrations once, however many instances start together: each takes a
 * transaction-scoped advisory lock first, so the others wait and then find nothing to do.
 * The bookkeeping is drizzle's own (`drizzle.__drizzle_migrations`), so drizzle-kit's tools
 * read it as usual. A failed migration rolls back whole and its error is rethrown.
 */
async function migratePostgres(pool: pg.Pool): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder("postgres") });
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query("create schema if not exists drizzle");
    await client.query("create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)");
    const { rows } = await client.query<{ created_at: string }>("select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1");
    const last = rows[0] ? Number(rows[0].created_at) : undefined;
    for (const migration of migrations) {
      if (last !== undefined && last >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) await client.query(statement);
      await client.query("insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)", [migration.hash, migration.folderMillis]);
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Opens the database `target` names and brings its schema up to date. SQLite is ready when
 * this returns; on PostgreSQL `ready` settles once the migrations have run (or failed).
 */
export function openDatabase(target: DatabaseTarget, options: PoolOptions): Connection & { ready: Promise<void> } {
  if (target.engine === "sqlite") return { ...openSqlite(target.file), ready: Promise.resolve() };
  const { pool, ...connection } = openPostgres(target.url, options);
  return { ...connection, ready: migratePostgres(pool) };
}
