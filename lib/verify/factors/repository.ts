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
    .returning({ sid: factors.sid })
    .prepare(),
);

export async function findFactor(serviceSid: string, factorSid: string): Promise<FactorRow | undefined> {
  const [row] = await statements().bySid.execute({ serviceSid, value: factorSid });
  return row;
}

export async function findEntityFactor(serviceSid: string, entitySid: string, factorSid: string): Promise<FactorRow | undefined> {
  const [row] = await db()
    .select()
    .from(factors)
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.entitySid, entitySid), eq(factors.sid, factorSid)))
    .limit(1);
  return row;
}

export async function findFactorByChallenge(serviceSid: string, challenge: string): Promise<FactorRow | undefined> {
  const [row] = await statements().byChallenge.execute({ serviceSid, value: challenge });
  return row;
}

export async function findFactorByCredential(serviceSid: string, credentialId: string): Promise<FactorRow | undefined> {
  const [row] = await statements().byCredential.execute({ serviceSid, value: credentialId });
  return row;
}

export function verifiedFactors(serviceSid: string, entitySid: string): Promise<FactorRow[]> {
  return statements().verifiedOfEntity.execute({ serviceSid, entitySid });
}

export async function insertFactor(row: FactorRow): Promise<void> {
  await insert(row);
}

/**
 * Marks an unverified factor verified with its credential. Guarded by `status`, so of two
 * concurrent calls only one changes the row (on PostgreSQL the second waits for the first
 * to commit, then re-reads `status` and matches nothing); the unique index on (service,
 * credential) refuses a credential registered to another factor. Returns whether this call won.
 */
export async function markVerified(
  serviceSid: string,
  factorSid: string,
  set: Pick<FactorRow, (typeof VERIFIED_FIELDS)[number]>,
): Promise<boolean> {
  const values = driverValues(factors, Object.fromEntries(VERIFIED_FIELDS.map((key) => [key, set[key]])));
  return (await markVerifiedStatement().execute({ ...values, serviceSid, factorSid })).length === 1;
}

export async function renameFactor(serviceSid: string, factorSid: string, friendlyName: string, now: number): Promise<void> {
  await db()
    .update(factors)
    .set({ friendlyName, dateUpdated: now })
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.sid, factorSid)));
}

export async function deleteFactor(serviceSid: string, entitySid: string, factorSid: string): Promise<boolean> {
  const deleted = await db()
    .delete(factors)
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.entitySid, entitySid), eq(factors.sid, factorSid)))
    .returning({ sid: factors.sid });
  return deleted.length > 0;
}

export async function listFactors(serviceSid: string, entitySid: string, cursor: SQL | undefined, order: Order, limit: number) {
  const dir = order === "asc" ? asc : desc;
  return await db()
    .select()
    .from(factors)
    .where(and(eq(factors.serviceSid, serviceSid), eq(factors.entitySid, entitySid), cursor))
    .orderBy(dir(factors.dateCreated), dir(factors.sid))
    .limit(limit);
}
