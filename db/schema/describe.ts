/**
 * A dialect-neutral description of drizzle table definitions, so that the SQLite and
 * PostgreSQL schemas (db/schema/sqlite, db/schema/pg) can be compared for equality: names,
 * columns, keys, indexes and constraints, with each column type reduced to the JavaScript
 * value it reads and writes. Pure: it only reads the table objects.
 */
import { Column, getTableName, is, SQL, Table } from "drizzle-orm";
import {
  getTableConfig as getPgTableConfig,
  IndexedColumn,
  PgColumn,
  PgCustomColumn,
  PgTable,
} from "drizzle-orm/pg-core";
import { getTableConfig as getSqliteTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";

export type Dialect = "sqlite" | "postgresql";

export type ColumnDescription = {
  /** What the column holds as seen from JavaScript, e.g. "integer-number" (see `typeOf`). */
  type: string;
  /** `text(…, { enum })` values, in order; null for no enum. */
  enum: string[] | null;
  notNull: boolean;
  primaryKey: boolean;
  hasDefault: boolean;
  /** The database default: a JSON literal, or the SQL rendered neutrally; null for none. */
  default: string | null;
  /** Defaults computed in JavaScript (`$defaultFn`, `$onUpdateFn`). */
  defaultFn: boolean;
  onUpdateFn: boolean;
  generated: boolean;
};

export type IndexDescription = {
  columns: string[];
  unique: boolean;
  /** The partial-index predicate, rendered neutrally; null for a full index. */
  where: string | null;
  /** Settings only PostgreSQL has (method other than btree, `concurrently`, `with`, …). */
  options: string[];
};

export type UniqueConstraintDescription = { columns: string[]; nullsNotDistinct: boolean };

export type ForeignKeyDescription = {
  columns: string[];
  foreignTable: string;
  foreignColumns: string[];
  onDelete: string;
  onUpdate: string;
};

export type PrimaryKeyDescription = { name: string | null; columns: string[] };

export type TableDescription = {
  name: string;
  columns: Record<string, ColumnDescription>;
  /** Column-level (`.primaryKey()`, unnamed) and table-level (`primaryKey()`) keys. */
  primaryKeys: PrimaryKeyDescription[];
  indexes: Record<string, IndexDescription>;
  /** Table-level `unique()` and column-level `.unique()`, by constraint name. */
  uniqueConstraints: Record<string, UniqueConstraintDescription>;
  foreignKeys: Record<string, ForeignKeyDescription>;
  checks: Record<string, string>;
  /** Table settings only PostgreSQL has (schema, row-level security, policies). */
  options: string[];
};

/** Tables by SQL name. */
export type SchemaDescription = Record<string, TableDescription>;

/** The drizzle tables among a module's exports, by export name. */
export function exportedTables(module: Record<string, unknown>): Record<string, Table> {
  const tables: Record<string, Table> = {};
  for (const [name, value] of Object.entries(module)) if (is(value, Table)) tables[name] = value;
  return tables;
}

export function describeSchema(tables: readonly Table[]): SchemaDescription {
  const schema: SchemaDescription = {};
  for (const table of tables) {
    const description = describeTable(table);
    if (schema[description.name]) throw new Error(`Two tables are named "${description.name}"`);
    schema[description.name] = description;
  }
  return sortKeys(schema);
}

export function describeTable(table: Table): TableDescription {
  if (is(table, SQLiteTable)) return describeSqliteTable(table);
  if (is(table, PgTable)) return describePgTable(table);
  throw new Error(`${getTableName(table)} is neither a SQLite nor a PostgreSQL table`);
}

function describeSqliteTable(table: SQLiteTable): TableDescription {
  const config = getSqliteTableConfig(table);
  return {
    name: config.name,
    columns: describeColumns(config.columns),
    primaryKeys: primaryKeys(
      config.columns,
      config.primaryKeys.map((key) => ({ name: key.getName(), columns: names(key.columns) })),
    ),
    indexes: byName(
      config.indexes.map((index) => [
        index.config.name,
        {
          columns: index.config.columns.map(indexColumn),
          unique: index.config.unique,
          where: index.config.where ? renderSql(index.config.where) : null,
          options: [],
        },
      ]),
    ),
    uniqueConstraints: byName([
      ...columnUniques(config.columns),
      ...config.uniqueConstraints.map((unique) =>
        uniqueEntry(unique.getName(), names(unique.columns), false),
      ),
    ]),
    foreignKeys: byName(
      config.foreignKeys.map((fk) => {
        const reference = fk.reference();
        return [
          fk.getName(),
          {
            columns: names(reference.columns),
            foreignTable: getTableName(reference.foreignTable),
            foreignColumns: names(reference.foreignColumns),
            onDelete: fk.onDelete ?? "no action",
            onUpdate: fk.onUpdate ?? "no action",
          },
        ];
      }),
    ),
    checks: byName(config.checks.map((check) => [check.name, renderSql(check.value)])),
    options: [],
  };
}

function describePgTable(table: PgTable): TableDescription {
  const config = getPgTableConfig(table);
  const options: string[] = [];
  if (config.schema !== undefined) options.push(`schema ${config.schema}`);
  if (config.enableRLS) options.push("row-level security");
  for (const policy of config.policies) options.push(`policy ${policy.name}`);
  return {
    name: config.name,
    columns: describeColumns(config.columns),
    primaryKeys: primaryKeys(
      config.columns,
      config.primaryKeys.map((key) => ({ name: key.getName(), columns: names(key.columns) })),
    ),
    indexes: byName(
      config.indexes.map((index) => {
        const { name, columns, unique, where, method, concurrently, only, with: withOptions } =
          index.config;
        const indexOptions: string[] = [];
        if (method && method !== "btree") indexOptions.push(`using ${method}`);
        if (concurrently) indexOptions.push("concurrently");
        if (only) indexOptions.push("only");
        if (withOptions && Object.keys(withOptions).length > 0) {
          indexOptions.push(`with ${JSON.stringify(withOptions)}`);
        }
        if (!name) throw new Error(`${config.name} has an unnamed index`);
        return [
          name,
          {
            columns: columns.map(indexColumn),
            unique,
            where: where ? renderSql(where) : null,
            options: indexOptions,
          },
        ];
      }),
    ),
    uniqueConstraints: byName([
      ...columnUniques(config.columns),
      ...config.uniqueConstraints.map((unique) =>
        uniqueEntry(unique.getName(), names(unique.columns), unique.nullsNotDistinct),
      ),
    ]),
    foreignKeys: byName(
      config.foreignKeys.map((fk) => {
        const reference = fk.reference();
        return [
          fk.getName(),
          {
            columns: names(reference.columns),
            foreignTable: getTableName(reference.foreignTable),
            foreignColumns: names(reference.foreignColumns),
            onDelete: fk.onDelete ?? "no action",
            onUpdate: fk.onUpdate ?? "no action",
          },
        ];
      }),
    ),
    checks: byName(config.checks.map((check) => [check.name, renderSql(check.value)])),
    options,
  };
}

function describeColumns(columns: readonly Column[]): Record<string, ColumnDescription> {
  return byName(
    columns.map((column) => [
      column.name,
      {
        type: typeOf(column),
        enum: column.enumValues?.length ? [...column.enumValues] : null,
        notNull: column.notNull,
        primaryKey: column.primary,
        hasDefault: column.hasDefault,
        default: renderDefault(column.default),
        defaultFn: column.defaultFn !== undefined,
        onUpdateFn: column.onUpdateFn !== undefined,
        generated: column.generated !== undefined || column.generatedIdentity !== undefined,
      },
    ]),
  );
}

/**
 * The column type reduced to the JavaScript value it carries. Types with the same value on
 * both engines share a name; anything not listed is `unmapped:<drizzle type>`, which matches
 * nothing on the other engine, so a new kind of column fails the comparison until it is
 * mapped here deliberately.
 */
function typeOf(column: Column): string {
  if (is(column, PgCustomColumn)) {
    const sqlType = column.getSQLType();
    return sqlType === "bytea" ? "bytes" : `unmapped:custom ${sqlType}`;
  }
  const mapped = (is(column, PgColumn) ? PG_TYPES : SQLITE_TYPES)[column.columnType];
  return mapped ?? `unmapped:${column.columnType}`;
}

const SQLITE_TYPES: Record<string, string> = {
  SQLiteText: "text",
  SQLiteInteger: "integer-number",
  SQLiteBoolean: "boolean",
  SQLiteTextJson: "json",
  SQLiteBlobBuffer: "bytes",
  SQLiteBigInt: "integer-bigint",
  SQLiteReal: "float",
};

const PG_TYPES: Record<string, string> = {
  PgText: "text",
  // int8 in "number" mode: SQLite's integer is 64-bit too.
  PgBigInt53: "integer-number",
  PgBigInt64: "integer-bigint",
  // int4 and int2 hold less than a SQLite integer: named apart so they never match it.
  PgInteger: "int4-number",
  PgSmallInt: "int2-number",
  PgBoolean: "boolean",
  PgJson: "json",
  // jsonb reorders object keys and drops duplicates: not what SQLite's JSON text returns.
  PgJsonb: "jsonb",
  PgDoublePrecision: "float",
};

function renderDefault(value: unknown): string | null {
  if (value === undefined) return null;
  if (is(value, SQL)) return `sql:${renderSql(value)}`;
  if (Buffer.isBuffer(value)) return `bytes:${value.toString("hex")}`;
  return JSON.stringify(value);
}

/**
 * SQL rendered the same whatever the dialect: names unquoted and unqualified (as drizzle-kit
 * writes index predicates), parameters inlined, whitespace collapsed and everything outside
 * string literals lower-cased, so `sql\`credential_id IS NOT NULL\`` and
 * `isNotNull(t.credentialId)` read alike.
 */
export function renderSql(value: SQL): string {
  const { sql } = value.toQuery({
    casing: { getColumnCasing: (column: Column) => column.name },
    escapeName: (name: string) => name,
    escapeParam: () => "?",
    escapeString: (text: string) => `'${text.replaceAll("'", "''")}'`,
    inlineParams: true,
    invokeSource: "indexes",
  } as unknown as Parameters<SQL["toQuery"]>[0]);
  return normaliseSql(sql);
}

/** Whitespace collapsed and everything outside string literals lower-cased. */
export function normaliseSql(text: string): string {
  return text
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\s+/g, " ").toLowerCase()))
    .join("")
    .trim();
}

function indexColumn(column: unknown): string {
  if (is(column, SQL)) return `expression:${renderSql(column)}`;
  if (is(column, IndexedColumn)) {
    const { order, nulls, opClass } = column.indexConfig;
    const name = column.name ?? "?";
    const suffix = [
      order && order !== "asc" ? order : "",
      nulls && nulls !== "last" ? `nulls ${nulls}` : "",
      opClass ?? "",
    ].filter(Boolean);
    return [name, ...suffix].join(" ");
  }
  if (is(column, Column)) return column.name;
  throw new Error(`Unexpected index column ${String(column)}`);
}

function columnUniques(columns: readonly Column[]) {
  return columns
    .filter((column) => column.isUnique)
    .map((column) =>
      uniqueEntry(column.uniqueName, [column.name], column.uniqueType === "not distinct"),
    );
}

function uniqueEntry(
  name: string | undefined,
  columns: string[],
  nullsNotDistinct: boolean,
): [string, UniqueConstraintDescription] {
  // drizzle names every unique constraint when the table is built; a gap would be a drizzle change.
  if (!name) throw new Error(`Unnamed unique constraint on ${columns.join(", ")}`);
  return [name, { columns, nullsNotDistinct }];
}

function primaryKeys(columns: readonly Column[], composite: PrimaryKeyDescription[]) {
  const keys: PrimaryKeyDescription[] = columns
    .filter((column) => column.primary)
    .map((column) => ({ name: null, columns: [column.name] }));
  return [...keys, ...composite];
}

function names(columns: readonly { name: string }[]): string[] {
  return columns.map((column) => column.name);
}

function byName<T>(entries: readonly (readonly [string, T])[]): Record<string, T> {
  const record: Record<string, T> = {};
  for (const [name, value] of entries) {
    if (name in record) throw new Error(`"${name}" is defined twice`);
    record[name] = value;
  }
  return sortKeys(record);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const entries = Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/**
 * Every difference between two schema descriptions, one readable line each ("owlbank_outbox:
 * column "extra" only in postgresql"); empty when they match.
 */
export function compareSchemas(
  left: SchemaDescription,
  right: SchemaDescription,
  labels: readonly [string, string] = ["sqlite", "postgresql"],
): string[] {
  const differences: string[] = [];
  const [leftLabel, rightLabel] = labels;
  const show = (value: unknown) => JSON.stringify(value);
  const onlyIn = (x: object, y: object, key: string) => {
    if (!(key in y)) return leftLabel;
    if (!(key in x)) return rightLabel;
    return null;
  };
  for (const name of union(left, right)) {
    const a = left[name];
    const b = right[name];
    if (!a || !b) {
      differences.push(`table "${name}" only in ${a ? leftLabel : rightLabel}`);
      continue;
    }
    for (const column of union(a.columns, b.columns)) {
      const side = onlyIn(a.columns, b.columns, column);
      if (side) {
        differences.push(`${name}: column "${column}" only in ${side}`);
        continue;
      }
      const [x, y] = [a.columns[column], b.columns[column]];
      for (const field of Object.keys(x) as (keyof ColumnDescription)[]) {
        if (show(x[field]) === show(y[field])) continue;
        differences.push(
          `${name}: column "${column}" ${field} is ${show(x[field])} in ${leftLabel} ` +
            `but ${show(y[field])} in ${rightLabel}`,
        );
      }
    }
    const kinds: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ["index", a.indexes, b.indexes],
      ["unique constraint", a.uniqueConstraints, b.uniqueConstraints],
      ["foreign key", a.foreignKeys, b.foreignKeys],
      ["check", a.checks, b.checks],
    ];
    for (const [kind, x, y] of kinds) {
      for (const key of union(x, y)) {
        const side = onlyIn(x, y, key);
        if (side) differences.push(`${name}: ${kind} "${key}" only in ${side}`);
        else if (show(x[key]) !== show(y[key])) {
          differences.push(
            `${name}: ${kind} "${key}" differs: ${show(x[key])} in ${leftLabel}, ` +
              `${show(y[key])} in ${rightLabel}`,
          );
        }
      }
    }
    for (const field of ["primaryKeys", "options"] as const) {
      if (show(a[field]) === show(b[field])) continue;
      differences.push(
        `${name}: ${field} ${show(a[field])} in ${leftLabel}, ${show(b[field])} in ${rightLabel}`,
      );
    }
  }
  return differences;
}

function union(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
