/**
 * Entity persistence. Functions take the Service SID first: there is no unscoped lookup.
 */
import "server-only";
import { and, asc, desc, eq, type SQL } from "drizzle-orm";
import { type EntityRow, entities } from "@/db/schema/verify";
import { db } from "@/lib/db";
import type { Order } from "../paging";

export { entities as entitiesTable };

export function findEntity(serviceSid: string, identity: string): EntityRow | undefined {
  return db()
    .select()
    .from(entities)
    .where(and(eq(entities.serviceSid, serviceSid), eq(entities.identity, identity)))
    .get();
}

export function findEntityBySid(serviceSid: string, entitySid: string): EntityRow | undefined {
  return db()
    .select()
    .from(entities)
    .where(and(eq(entities.serviceSid, serviceSid), eq(entities.sid, entitySid)))
    .get();
}

/** Inserts unless the identity exists; returns whether this call created it. */
export function insertEntity(row: EntityRow): boolean {
  const result = db().insert(entities).values(row).onConflictDoNothing().run();
  return result.changes > 0;
}

/** Deletes the entity; its factors and challenges go with it (ON DELETE CASCADE). */
export function deleteEntity(serviceSid: string, identity: string): boolean {
  const result = db()
    .delete(entities)
    .where(and(eq(entities.serviceSid, serviceSid), eq(entities.identity, identity)))
    .run();
  return result.changes > 0;
}

export function listEntities(serviceSid: string, cursor: SQL | undefined, order: Order, limit: number) {
  const dir = order === "asc" ? asc : desc;
  return db()
    .select()
    .from(entities)
    .where(and(eq(entities.serviceSid, serviceSid), cursor))
    .orderBy(dir(entities.dateCreated), dir(entities.sid))
    .limit(limit)
    .all();
}
