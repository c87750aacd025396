/**
 * What the prepared statements store, read back as the database holds it (no drizzle mapping
 * on the columns that have one): they must write exactly what drizzle's one-off queries wrote
 * (NULL stays NULL, JSON and booleans mapped). Runs on either engine; the raw form of a JSON
 * or boolean value is the engine's own.
 */
import { type Column, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { factors } from "@/db/schema/verify";
import { databaseFailure, db, engine } from "@/lib/db";
import { SoftwareAuthenticator } from "@/test/helpers/authenticator";
import { createFactor, createService, registerPasskey } from "@/test/helpers/verify";
import { findFactor, markVerified } from "./repository";

/** The column's value as the driver returns it. */
const raw = (column: Column) => sql<unknown>`${column}`;
/** 1 when the column is SQL NULL (not, say, a JSON `null` or a 0 that a NULL was mapped to). */
const isNull = (column: Column) => sql<number>`case when ${column} is null then 1 else 0 end`;

async function storedFactor(sid: string) {
  const [row] = await db()
    .select({
      status: factors.status,
      credentialId: factors.credentialId,
      counter: factors.counter,
      aaguid: factors.aaguid,
      publicKey: raw(factors.publicKey),
      transports: raw(factors.transports),
      backupEligible: raw(factors.backupEligible),
      backedUp: raw(factors.backedUp),
      algorithms: raw(factors.algorithms),
      config: raw(factors.config),
      isNull: {
        credentialId: isNull(factors.credentialId),
        publicKey: isNull(factors.publicKey),
        transports: isNull(factors.transports),
        aaguid: isNull(factors.aaguid),
        backupEligible: isNull(factors.backupEligible),
        backedUp: isNull(factors.backedUp),
      },
    })
    .from(factors)
    .where(eq(factors.sid, sid));
  expect(row, `factor ${sid}`).toBeDefined();
  return row;
}

/** A JSON column as stored: text in SQLite; PostgreSQL's `json`, which postgres.js parses. */
const storedJson = (value: unknown): unknown => (engine() === "sqlite" ? JSON.parse(value as string) : value);
/** A boolean as stored: 0/1 in SQLite, a real boolean in PostgreSQL. */
const storedBoolean = (value: boolean) => (engine() === "sqlite" ? Number(value) : value);

describe("factor rows as stored", () => {
  it("an unverified factor keeps NULL in everything only verification sets", async () => {
    const service = await createService();
    const created = await createFactor(service.sid);
    const row = await storedFactor(created.sid);
    expect(row).toMatchObject({
      status: "unverified",
      credentialId: null,
      publicKey: null,
      counter: 0,
      transports: null,
      aaguid: null,
      backupEligible: null,
      backedUp: null,
    });
    expect(row.isNull).toEqual({ credentialId: 1, publicKey: 1, transports: 1, aaguid: 1, backupEligible: 1, backedUp: 1 });
    expect(storedJson(row.algorithms)).toEqual(expect.arrayContaining([-7]));
    expect(storedJson(row.config)).toMatchObject({ relying_party: { id: "example.com" } });
  });

  it("verification writes the credential with the engine's booleans and transports as JSON", async () => {
    const service = await createService();
    const authenticator = new SoftwareAuthenticator({ alg: "ES256", backupEligible: true, backedUp: false });
    const { factor, credentialId } = await registerPasskey(service.sid, authenticator);
    const row = await storedFactor(factor.sid);
    expect(row).toMatchObject({
      status: "verified",
      credentialId,
      backupEligible: storedBoolean(true),
      backedUp: storedBoolean(false),
    });
    expect(row.isNull).toMatchObject({ credentialId: 0, publicKey: 0, aaguid: 0, backupEligible: 0, backedUp: 0 });
    expect(Buffer.isBuffer(row.publicKey)).toBe(true);
    // The software authenticator reports no transports, or some: JSON either way, never the text "null".
    expect(row.transports === null ? row.isNull.transports === 1 : Array.isArray(storedJson(row.transports))).toBe(true);
    expect(row.aaguid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses another factor of the Service the same credential, as a unique violation on either engine", async () => {
    const service = await createService();
    const { factor } = await registerPasskey(service.sid, new SoftwareAuthenticator());
    const holder = (await findFactor(service.sid, factor.sid))!;
    const other = await createFactor(service.sid);
    const error: unknown = await markVerified(service.sid, other.sid, holder).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(databaseFailure(error)).toBe("unique_violation");
    expect((await storedFactor(other.sid)).status).toBe("unverified");
  });
});
