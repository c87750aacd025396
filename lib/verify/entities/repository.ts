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

export function findEntity(serviceSid: string, identity: string): EntityRow | undefined {
  return statements().byIdentity.get({ serviceSid, identity });
}

export function findEntityBySid(serviceSid: string, entitySid: string): EntityRow | undefined {
  return statements().bySid.get({ serviceSid, sid: entitySid });
}

const insert = preparedInsert(entities, { ignoreConflict: true });

/** Inserts unless the identity exists; returns whether this call created it. */
export function insertEntity(row: EntityRow): boolean {
  return insert(row) > 0;
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
