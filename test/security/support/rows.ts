/**
 * Reading rows back after a race, on either engine: from a production server's database (its
 * SQLite file or PostgreSQL database, through e2e/helpers/database.ts) or from the test file's
 * in-process database (through the application's drizzle connection, which is the only way
 * into an in-memory SQLite database). Rows are keyed by SQL column name, values as the
 * application reads them (numbers, strings, null).
 */
import { and, type Column, eq, getTableColumns, getTableName, inArray, is, type SQL, Table } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as verify from "@/db/schema/verify";
import { query, targetOf } from "@/e2e/helpers/database";
import { db } from "@/lib/db";

export type Row = Record<string, unknown>;

/** `SELECT columns FROM table WHERE column = value AND …`; an array value means `IN (…)`. */
type Select = (table: string, columns: string[], where: Record<string, unknown>) => Promise<Row[]>;

export type Rows = {
  all: Select;
  /** The first matching row, or undefined. */
  one: (table: string, columns: string[], where: Record<string, unknown>) => Promise<Row | undefined>;
};

const rows = (all: Select): Rows => ({ all, one: async (...args) => (await all(...args))[0] });

const identifier = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a plain SQL identifier: ${name}`);
  return name;
};

/** The rows of the database at `databaseUrl` (a server's `databaseUrl`). */
export function serverRows(databaseUrl: string): Rows {
  const target = targetOf(databaseUrl);
  return rows(async (table, columns, where) => {
    const conditions: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of Object.entries(where)) {
      if (Array.isArray(value)) {
        conditions.push(`${identifier(column)} IN (${value.map(() => "?").join(", ") || "NULL"})`);
        params.push(...value);
      } else {
        conditions.push(`${identifier(column)} = ?`);
        params.push(value);
      }
    }
    const text = `SELECT ${columns.map(identifier).join(", ")} FROM ${identifier(table)}${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""}`;
    return await query(target, text, ...params);
  });
}

const TABLES = new Map(
  (Object.values(verify) as unknown[]).filter((value): value is SQLiteTable => is(value, Table)).map((t) => [getTableName(t), t]),
);

function columnOf(table: SQLiteTable, name: string): Column {
  const column = Object.values(getTableColumns(table)).find((c) => c.name === name);
  if (!column) throw new Error(`${getTableName(table)} has no column ${name}`);
  return column;
}

/** The rows of the test file's in-process database (`db()` from lib/db.ts). */
export const inProcessRows: Rows = rows(async (tableName, columns, where) => {
  const table = TABLES.get(tableName);
  if (!table) throw new Error(`No Verify table ${tableName}`);
  const conditions: SQL[] = Object.entries(where).map(([name, value]) =>
    Array.isArray(value) ? inArray(columnOf(table, name), value) : eq(columnOf(table, name), value),
  );
  const selection = Object.fromEntries(columns.map((name) => [name, columnOf(table, name)])) as Record<string, SQLiteColumn>;
  return (await db().select(selection).from(table).where(and(...conditions))) as Row[];
});
