/**
 * The SQLite and PostgreSQL schemas must describe the same tables: repositories write each
 * query once against the facade (db/schema/verify.ts, db/schema/owlbank.ts), typed as the
 * SQLite tables, and run it on whichever engine the process uses.
 */
import { getTableName, sql, type Table } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text as pgText } from "drizzle-orm/pg-core";
import {
  index as sqliteIndex,
  integer as sqliteInteger,
  sqliteTable,
  text as sqliteText,
} from "drizzle-orm/sqlite-core";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  compareSchemas,
  describeSchema,
  describeTable,
  exportedTables,
  renderSql,
} from "./describe";
import * as owlbankFacade from "./owlbank";
import * as pgOwlbank from "./pg/owlbank";
import * as pgVerify from "./pg/verify";
import * as sqliteOwlbank from "./sqlite/owlbank";
import * as sqliteVerify from "./sqlite/verify";
import * as verifyFacade from "./verify";

const modules = {
  verify: { sqlite: sqliteVerify, pg: pgVerify, facade: verifyFacade },
  owlbank: { sqlite: sqliteOwlbank, pg: pgOwlbank, facade: owlbankFacade },
};

const sqliteTables = [sqliteVerify, sqliteOwlbank].flatMap((m) => Object.values(exportedTables(m)));
const pgTables = [pgVerify, pgOwlbank].flatMap((m) => Object.values(exportedTables(m)));
const sqliteSchema = describeSchema(sqliteTables);
const pgSchema = describeSchema(pgTables);

describe("SQLite and PostgreSQL schemas", () => {
  it("define the same tables", () => {
    expect(Object.keys(pgSchema)).toEqual(Object.keys(sqliteSchema));
    expect(Object.keys(sqliteSchema)).toHaveLength(21);
  });

  it.each(Object.keys(sqliteSchema))("define %s identically", (name) => {
    expect(pgSchema[name]).toEqual(sqliteSchema[name]);
  });

  it("have no difference at all", () => {
    expect(compareSchemas(sqliteSchema, pgSchema)).toEqual([]);
  });

  it("map each column to a type both engines share", () => {
    const types = new Set(
      Object.values(sqliteSchema).flatMap((table) => Object.values(table.columns).map((c) => c.type)),
    );
    expect([...types].sort()).toEqual(["boolean", "bytes", "integer-number", "json", "text"]);
  });

  it("describe the partial index predicate the same way on both engines", () => {
    expect(sqliteSchema.verify_factors.indexes.verify_factors_credential.where).toBe(
      "credential_id is not null",
    );
    expect(pgSchema.verify_factors.indexes.verify_factors_credential.where).toBe(
      "credential_id is not null",
    );
  });

  it("export the same names from each dialect's module", () => {
    for (const { sqlite, pg } of Object.values(modules)) {
      expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
    }
    expect(pgOwlbank.SESSION_ORIGINS).toEqual(sqliteOwlbank.SESSION_ORIGINS);
  });

  it("give each exported table the same SQL name on both engines", () => {
    for (const { sqlite, pg } of Object.values(modules)) {
      const sqliteNames = mapValues(exportedTables(sqlite), getTableName);
      const pgNames = mapValues(exportedTables(pg), getTableName);
      expect(pgNames).toEqual(sqliteNames);
    }
  });

  it("are all covered by the facades, which export every table of the running engine", () => {
    for (const { sqlite, pg, facade } of Object.values(modules)) {
      const facadeTables = exportedTables(facade);
      expect(Object.keys(facadeTables).sort()).toEqual(Object.keys(exportedTables(sqlite)).sort());
      expect(Object.keys(facadeTables).sort()).toEqual(Object.keys(exportedTables(pg)).sort());
      // The facade hands out the tables of the engine this run uses (test/setup.ts).
      const running = process.env.DATABASE_URL?.startsWith("postgres") ? pg : sqlite;
      for (const [name, table] of Object.entries(facadeTables)) {
        expect(table, name).toBe((running as Record<string, unknown>)[name]);
      }
    }
    expect(owlbankFacade.SESSION_ORIGINS).toBe(sqliteOwlbank.SESSION_ORIGINS);
  });

  it("read and write the same row types (checked by tsc)", () => {
    expectTypeOf<pgVerify.AccountRow>().toEqualTypeOf<sqliteVerify.AccountRow>();
    expectTypeOf<pgVerify.ServiceRow>().toEqualTypeOf<sqliteVerify.ServiceRow>();
    expectTypeOf<pgVerify.EntityRow>().toEqualTypeOf<sqliteVerify.EntityRow>();
    expectTypeOf<pgVerify.FactorRow>().toEqualTypeOf<sqliteVerify.FactorRow>();
    expectTypeOf<pgVerify.ChallengeRow>().toEqualTypeOf<sqliteVerify.ChallengeRow>();
    expectTypeOf<pgOwlbank.User>().toEqualTypeOf<sqliteOwlbank.User>();
    expectTypeOf<pgOwlbank.Session>().toEqualTypeOf<sqliteOwlbank.Session>();
    expectTypeOf<pgOwlbank.SessionOrigin>().toEqualTypeOf<sqliteOwlbank.SessionOrigin>();
    expectTypeOf<pgOwlbank.Transfer>().toEqualTypeOf<sqliteOwlbank.Transfer>();
    expectTypeOf<pgOwlbank.CodePurpose>().toEqualTypeOf<sqliteOwlbank.CodePurpose>();
    expectTypeOf<pgVerify.FactorConfig>().toEqualTypeOf<sqliteVerify.FactorConfig>();
    expectTypeOf<pgVerify.PasskeysSettings>().toEqualTypeOf<sqliteVerify.PasskeysSettings>();
    expectTypeOf<pgVerify.ServiceSettings>().toEqualTypeOf<sqliteVerify.ServiceSettings>();
    // Every table, both ways: what a select returns and what an insert accepts.
    type Select<T> = T extends { $inferSelect: infer S } ? S : never;
    type Insert<T> = T extends { $inferInsert: infer I } ? I : never;
    type Rows<M> = { [K in keyof M as M[K] extends Table ? K : never]: [Select<M[K]>, Insert<M[K]>] };
    expectTypeOf<Rows<typeof pgVerify>>().toEqualTypeOf<Rows<typeof sqliteVerify>>();
    expectTypeOf<Rows<typeof pgOwlbank>>().toEqualTypeOf<Rows<typeof sqliteOwlbank>>();
  });
});

describe("the comparison", () => {
  // owlbank_outbox, written again by hand on each side so that one thing can be added to it.
  const pgOutbox = (extra: "column" | "index" | "int4" | "jsonb" | "where" | "none") =>
    pgTable(
      "owlbank_outbox",
      {
        id: pgText("id").primaryKey(),
        phoneNumber: pgText("phone_number").notNull(),
        body: extra === "jsonb" ? jsonb("body").notNull() : pgText("body").notNull(),
        createdAt:
          extra === "int4"
            ? integer("created_at").notNull()
            : bigint("created_at", { mode: "number" }).notNull(),
        expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
        ...(extra === "column" ? { extra: pgText("extra") } : {}),
      },
      (t) => [
        extra === "where"
          ? index("owlbank_outbox_created").on(t.createdAt).where(sql`created_at > 0`)
          : index("owlbank_outbox_created").on(t.createdAt),
        ...(extra === "index" ? [index("owlbank_outbox_phone").on(t.phoneNumber)] : []),
      ],
    );
  const sqliteOutbox = (extra: "column" | "index" | "none") =>
    sqliteTable(
      "owlbank_outbox",
      {
        id: sqliteText("id").primaryKey(),
        phoneNumber: sqliteText("phone_number").notNull(),
        body: sqliteText("body").notNull(),
        createdAt: sqliteInteger("created_at", { mode: "number" }).notNull(),
        expiresAt: sqliteInteger("expires_at", { mode: "number" }).notNull(),
        ...(extra === "column" ? { extra: sqliteText("extra") } : {}),
      },
      (t) => [
        sqliteIndex("owlbank_outbox_created").on(t.createdAt),
        ...(extra === "index" ? [sqliteIndex("owlbank_outbox_phone").on(t.phoneNumber)] : []),
      ],
    );
  const compare = (sqliteSide: Table, pgSide: Table) =>
    compareSchemas(describeSchema([sqliteSide]), describeSchema([pgSide]));

  it("finds the hand-written copies identical to the real table", () => {
    expect(compare(sqliteOutbox("none"), pgOutbox("none"))).toEqual([]);
    expect(describeTable(pgOutbox("none"))).toEqual(sqliteSchema.owlbank_outbox);
    expect(describeTable(sqliteOutbox("none"))).toEqual(pgSchema.owlbank_outbox);
  });

  it("reports a column only PostgreSQL has", () => {
    expect(compare(sqliteOutbox("none"), pgOutbox("column"))).toEqual([
      'owlbank_outbox: column "extra" only in postgresql',
    ]);
    expect(describeTable(pgOutbox("column"))).not.toEqual(sqliteSchema.owlbank_outbox);
  });

  it("reports a column only SQLite has", () => {
    expect(compare(sqliteOutbox("column"), pgOutbox("none"))).toEqual([
      'owlbank_outbox: column "extra" only in sqlite',
    ]);
  });

  it("reports an index only PostgreSQL has", () => {
    expect(compare(sqliteOutbox("none"), pgOutbox("index"))).toEqual([
      'owlbank_outbox: index "owlbank_outbox_phone" only in postgresql',
    ]);
  });

  it("reports an index only SQLite has", () => {
    expect(compare(sqliteOutbox("index"), pgOutbox("none"))).toEqual([
      'owlbank_outbox: index "owlbank_outbox_phone" only in sqlite',
    ]);
  });

  it("reports a partial index that is partial on one side only", () => {
    expect(compare(sqliteOutbox("none"), pgOutbox("where"))).toEqual([
      expect.stringContaining('owlbank_outbox: index "owlbank_outbox_created" differs'),
    ]);
  });

  it("reports int4 and jsonb, which do not carry SQLite's values", () => {
    expect(compare(sqliteOutbox("none"), pgOutbox("int4"))).toEqual([
      'owlbank_outbox: column "created_at" type is "integer-number" in sqlite but "int4-number" in postgresql',
    ]);
    expect(compare(sqliteOutbox("none"), pgOutbox("jsonb"))).toEqual([
      'owlbank_outbox: column "body" type is "text" in sqlite but "jsonb" in postgresql',
    ]);
  });

  it("reports a table only one side has", () => {
    expect(compareSchemas(describeSchema([sqliteOutbox("none")]), describeSchema([]))).toEqual([
      'table "owlbank_outbox" only in sqlite',
    ]);
    expect(compareSchemas(describeSchema([]), describeSchema([pgOutbox("none")]))).toEqual([
      'table "owlbank_outbox" only in postgresql',
    ]);
  });

  it("renders SQL without dialect quoting or qualification", () => {
    const t = pgOutbox("none");
    expect(renderSql(sql`${t.createdAt}  >  ${5} AND ${t.body} = ${"It's"}`)).toBe(
      "created_at > 5 and body = 'It''s'",
    );
  });
});

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}
