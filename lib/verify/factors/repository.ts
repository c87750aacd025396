/**
 * Factor persistence. Every function takes the Service SID first.
 */
import "server-only";
import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import { type FactorRow, factors } from "@/db/schema/verify";
import { db, driverValues, placeholders, prepared, preparedInsert } from "@/lib/db";
import type { Order } from "../paging";

export { factors as factorsTable };

const inService = (column: typeof factors.sid | typeof factors.challenge | typeof factors.credentialId) =>
  and(eq(factors.serviceSid, sql.placeholder("serviceSid")), eq(column, sql.placeholder("value")));

/** The lookups every VerifyFactor and ApproveChallenge makes. */
const statements = prepared((d) => ({
  bySid: d.select().from(factors).where(inService(factors.sid)).prepare(),
  byChallenge: d.select().from(factors).where(inService(factors.challenge)).prepare(),
  byCredential: d.select().from(factors).where(inService(factors.credentialId)).prepare(),
  // Challenges create lists these for allowCredentials on every targeted sign-in.
  verifiedOfEntity: d
    .select()
    .from(factors)
    .where(and(eq(factors.serviceSid, sql.placeholder("serviceSid")), eq(factors.entitySid, sql.placeholder("entitySid")), eq(factors.status, "verified")))
    .orderBy(asc(factors.dateCreated), asc(factors.sid))
    .prepare(),
}));
const insert = preparedInsert(factors);

/** What VerifyFactor writes into the factor it verifies. */
const VERIFIED_FIELDS = ["credentialId", "publicKey", "counter", "transports", "aaguid", "backupEligible", "backedUp", "dateUpdated"] as const;

const markVerifiedStatement = prepared((d) =>
  d
    .update(factors)
    .set({ ...placeholders(VERIFIED_FIELDS), status: "verified" })
    .where(and(eq(factors.serviceSid, sql.placeholder("serviceSid")), eq(factors.sid, sql.placeholder("factorSid")), eq(factors.status, "unverified")))
    .prepare(),
);

export function findFactor(serviceSid: string, factorSid: string): FactorRow | undefined {
  return statements().bySid.get({ serviceSid, value: factorSid });
}

export function findEntityFactor(serviceSid: string, entitySid: string, factorSid: string): FactorRow | undefined {
  return db()
    .select()
    .from(factors)
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.entitySid, entitySid), eq(factors.sid, factorSid)))
    .get();
}

export function findFactorByChallenge(serviceSid: string, challenge: string): FactorRow | undefined {
  return statements().byChallenge.get({ serviceSid, value: challenge });
}

export function findFactorByCredential(serviceSid: string, credentialId: string): FactorRow | undefined {
  return statements().byCredential.get({ serviceSid, value: credentialId });
}

export function verifiedFactors(serviceSid: string, entitySid: string): FactorRow[] {
  return statements().verifiedOfEntity.all({ serviceSid, entitySid });
}

export function insertFactor(row: FactorRow): void {
  insert(row);
}

/**
 * Marks an unverified factor verified with its credential. Guarded by `status`, so of two
 * concurrent calls only one changes the row; the unique index on (service, credential)
 * refuses a credential registered to another factor. Returns whether this call won.
 */
export function markVerified(
  serviceSid: string,
  factorSid: string,
  set: Pick<FactorRow, (typeof VERIFIED_FIELDS)[number]>,
): boolean {
  const values = driverValues(factors, Object.fromEntries(VERIFIED_FIELDS.map((key) => [key, set[key]])));
  return markVerifiedStatement().run({ ...values, serviceSid, factorSid }).changes === 1;
}

export function renameFactor(serviceSid: string, factorSid: string, friendlyName: string, now: number): void {
  db()
    .update(factors)
    .set({ friendlyName, dateUpdated: now })
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.sid, factorSid)))
    .run();
}

export function deleteFactor(serviceSid: string, entitySid: string, factorSid: string): boolean {
  const result = db()
    .delete(factors)
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.entitySid, entitySid), eq(factors.sid, factorSid)))
    .run();
  return result.changes > 0;
}

export function listFactors(serviceSid: string, entitySid: string, cursor: SQL | undefined, order: Order, limit: number) {
  const dir = order === "asc" ? asc : desc;
  return db()
    .select()
    .from(factors)
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.entitySid, entitySid), cursor))
    .orderBy(dir(factors.dateCreated), dir(factors.sid))
    .limit(limit)
    .all();
}
