/**
 * Entity persistence. Functions take the Service SID first: there is no unscoped lookup.
 */
import "server-only";
import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import { type EntityRow, entities } from "@/db/schema/verify";
import { db, prepared, preparedInsert } from "@/lib/db";
import type { Order } from "../paging";

export { entities as entitiesTable };

const statements = prepared((d) => ({
  byIdentity: d
    .select()
    .from(entities)
    .where(and(eq(entities.serviceSid, sql.placeholder("serviceSid")), eq(entities.identity, sql.placeholder("identity"))))
    .prepare(),
  bySid: d
    .select()
    .from(entities)
    .where(and(eq(entities.serviceSid, sql.placeholder("serviceSid")), eq(entities.sid, sql.placeholder("sid"))))
    .prepare(),
}));

export async function findEntity(serviceSid: string, identity: string): Promise<EntityRow | undefined> {
  const [row] = await statements().byIdentity.execute({ serviceSid, identity });
  return row;
}

export async function findEntityBySid(serviceSid: string, entitySid: string): Promise<EntityRow | undefined> {
  const [row] = await statements().bySid.execute({ serviceSid, sid: entitySid });
  return row;
}

const insert = preparedInsert(entities, { ignoreConflict: true });

/** Inserts unless the identity exists; returns whether this call created it. */
export async function insertEntity(row: EntityRow): Promise<boolean> {
  return (await insert(row)) > 0;
}

/** Deletes the entity; its factors and challenges go with it (ON DELETE CASCADE). */
export async function deleteEntity(serviceSid: string, identity: string): Promise<boolean> {
  const deleted = await db()
    .delete(entities)
    .where(and(eq(entities.serviceSid, serviceSid), eq(entities.identity, identity)))
    .returning({ sid: entities.sid });
  return deleted.length > 0;
}

export async function listEntities(serviceSid: string, cursor: SQL | undefined, order: Order, limit: number) {
  const dir = order === "asc" ? asc : desc;
  return await db()
    .select()
    .from(entities)
    .where(and(eq(entities.serviceSid, serviceSid), cursor))
    .orderBy(dir(entities.dateCreated), dir(entities.sid))
    .limit(limit);
}
