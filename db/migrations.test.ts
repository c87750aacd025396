/**
 * Each engine's committed migrations must be up to date with its schema: the latest
 * drizzle-kit snapshot in db/migrations/<dialect>/meta/ has to describe the tables the schema
 * defines. A schema edit without `npm run db:generate` fails here instead of at deployment.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  describeSchema,
  exportedTables,
  normaliseSql,
  type SchemaDescription,
} from "./schema/describe";
import * as pgOwlbank from "./schema/pg/owlbank";
import * as pgVerify from "./schema/pg/verify";
import * as sqliteOwlbank from "./schema/sqlite/owlbank";
import * as sqliteVerify from "./schema/sqlite/verify";

type Journal = { dialect: string; entries: { idx: number; tag: string }[] };

type SnapshotColumn = {
  name: string;
  type: string;
  primaryKey: boolean;
  notNull: boolean;
  default?: unknown;
};
type SnapshotIndex = {
  name: string;
  columns: (string | { expression: string; isExpression: boolean })[];
  isUnique: boolean;
  where?: string;
};
type SnapshotTable = {
  name: string;
  columns: Record<string, SnapshotColumn>;
  indexes: Record<string, SnapshotIndex>;
  foreignKeys: Record<
    string,
    { name: string; tableTo: string; columnsFrom: string[]; columnsTo: string[]; onDelete?: string }
  >;
  compositePrimaryKeys: Record<string, { name?: string; columns: string[] }>;
  uniqueConstraints: Record<string, { name: string; columns: string[] }>;
};
type Snapshot = { id: string; prevId: string; dialect: string; tables: Record<string, SnapshotTable> };

/** What both a snapshot and the schema can say about a table, in the same words. */
type Summary = Record<
  string,
  {
    columns: Record<
      string,
      { type: string; notNull: boolean; primaryKey: boolean; hasDefault: boolean }
    >;
    /** Indexes and unique constraints together: SQLite writes `.unique()` as an index. */
    indexes: Record<string, { columns: string[]; unique: boolean; where: string | null }>;
    foreignKeys: Record<
      string,
      { columns: string[]; foreignTable: string; foreignColumns: string[]; onDelete: string }
    >;
    compositePrimaryKeys: string[][];
  }
>;

const dialects = [
  {
    folder: "sqlite",
    dialect: "sqlite",
    tables: [sqliteVerify, sqliteOwlbank],
    // describeSchema's type → the SQL type drizzle-kit writes in the snapshot.
    sqlTypes: { text: "text", "integer-number": "integer", boolean: "integer", bytes: "blob", json: "text" },
  },
  {
    folder: "pg",
    dialect: "postgresql",
    tables: [pgVerify, pgOwlbank],
    sqlTypes: { text: "text", "integer-number": "bigint", boolean: "boolean", bytes: "bytea", json: "json" },
  },
] as const;

describe.each(dialects)("$folder migrations", ({ folder, dialect, tables, sqlTypes }) => {
  const dir = path.join(import.meta.dirname, "migrations", folder);
  const journal = readJson<Journal>(path.join(dir, "meta", "_journal.json"));
  const snapshotFile = (idx: number) =>
    path.join(dir, "meta", `${String(idx).padStart(4, "0")}_snapshot.json`);

  it("are a complete, linked series", () => {
    expect(journal.dialect).toBe(dialect);
    expect(journal.entries.length).toBeGreaterThan(0);
    expect(journal.entries.map((entry) => entry.idx)).toEqual(journal.entries.map((_, i) => i));
    const sqlFiles = fs.readdirSync(dir).filter((file) => file.endsWith(".sql")).sort();
    expect(sqlFiles).toEqual(journal.entries.map((entry) => `${entry.tag}.sql`).sort());
    let prevId = "00000000-0000-0000-0000-000000000000";
    for (const entry of journal.entries) {
      const snapshot = readJson<Snapshot>(snapshotFile(entry.idx));
      expect(snapshot.dialect, entry.tag).toBe(dialect);
      expect(snapshot.prevId, entry.tag).toBe(prevId);
      prevId = snapshot.id;
    }
  });

  it("end in a snapshot of the current schema (run `npm run db:generate` if not)", () => {
    const latest = journal.entries[journal.entries.length - 1];
    const snapshot = readJson<Snapshot>(snapshotFile(latest.idx));
    const schema = describeSchema(tables.flatMap((m) => Object.values(exportedTables(m))));
    const expected = summariseSchema(schema, sqlTypes);
    const actual = summariseSnapshot(snapshot);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const name of Object.keys(expected)) {
      const message = `${name}: latest snapshot (received) vs schema (expected)`;
      expect(actual[name], message).toEqual(expected[name]);
    }
  });
});

function summariseSchema(schema: SchemaDescription, sqlTypes: Record<string, string>): Summary {
  const summary: Summary = {};
  for (const [name, table] of Object.entries(schema)) {
    summary[name] = {
      columns: Object.fromEntries(
        Object.entries(table.columns).map(([column, c]) => [
          column,
          {
            type: sqlTypes[c.type] ?? `no SQL type mapped for ${c.type}`,
            notNull: c.notNull,
            primaryKey: c.primaryKey,
            hasDefault: c.default !== null,
          },
        ]),
      ),
      indexes: {
        ...Object.fromEntries(
          Object.entries(table.indexes).map(([index, i]) => [
            index,
            { columns: i.columns, unique: i.unique, where: i.where },
          ]),
        ),
        ...Object.fromEntries(
          Object.entries(table.uniqueConstraints).map(([unique, u]) => [
            unique,
            { columns: u.columns, unique: true, where: null },
          ]),
        ),
      },
      foreignKeys: Object.fromEntries(
        Object.entries(table.foreignKeys).map(([fk, f]) => [
          fk,
          {
            columns: f.columns,
            foreignTable: f.foreignTable,
            foreignColumns: f.foreignColumns,
            onDelete: f.onDelete,
          },
        ]),
      ),
      compositePrimaryKeys: table.primaryKeys.filter((key) => key.name !== null).map((key) => key.columns),
    };
  }
  return summary;
}

function summariseSnapshot(snapshot: Snapshot): Summary {
  const summary: Summary = {};
  for (const table of Object.values(snapshot.tables)) {
    summary[table.name] = {
      columns: Object.fromEntries(
        Object.values(table.columns).map((c) => [
          c.name,
          {
            type: c.type,
            notNull: c.notNull,
            primaryKey: c.primaryKey,
            hasDefault: c.default !== undefined,
          },
        ]),
      ),
      indexes: {
        ...Object.fromEntries(
          Object.values(table.indexes).map((i) => [
            i.name,
            {
              columns: i.columns.map((c) => {
                if (typeof c === "string") return c;
                return c.isExpression ? `expression:${normaliseSql(c.expression)}` : c.expression;
              }),
              unique: i.isUnique,
              where: i.where ? normaliseSql(i.where) : null,
            },
          ]),
        ),
        ...Object.fromEntries(
          Object.values(table.uniqueConstraints).map((u) => [
            u.name,
            { columns: u.columns, unique: true, where: null },
          ]),
        ),
      },
      foreignKeys: Object.fromEntries(
        Object.values(table.foreignKeys).map((f) => [
          f.name,
          {
            columns: f.columnsFrom,
            foreignTable: f.tableTo,
            foreignColumns: f.columnsTo,
            onDelete: f.onDelete ?? "no action",
          },
        ]),
      ),
      compositePrimaryKeys: Object.values(table.compositePrimaryKeys).map((key) => key.columns),
    };
  }
  return summary;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}
