/**
 * Service persistence. Every read takes the account: a Service of another account is,
 * to the caller, a Service that does not exist (docs/api.md §2).
 */
import "server-only";
import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import { type ServiceRow, services } from "@/db/schema/verify";

export { services as servicesTable };
import { db, prepared } from "@/lib/db";
import type { Order } from "../paging";

const statements = prepared((d) => ({
  find: d
    .select()
    .from(services)
    .where(and(eq(services.accountSid, sql.placeholder("accountSid")), eq(services.sid, sql.placeholder("sid"))))
    .prepare(),
}));

export function findService(accountSid: string, serviceSid: string): ServiceRow | undefined {
  return statements().find.get({ accountSid, sid: serviceSid });
}

export function insertService(row: ServiceRow): void {
  db().insert(services).values(row).run();
}

export function updateService(
  accountSid: string,
  serviceSid: string,
  set: Pick<ServiceRow, "friendlyName" | "settings" | "passkeys" | "dateUpdated">,
): void {
  db()
    .update(services)
    .set(set)
    .where(and(eq(services.accountSid, accountSid), eq(services.sid, serviceSid)))
    .run();
}

/** Deletes the Service; entities, factors and challenges go with it (ON DELETE CASCADE). */
export function deleteService(accountSid: string, serviceSid: string): boolean {
  const result = db()
    .delete(services)
    .where(and(eq(services.accountSid, accountSid), eq(services.sid, serviceSid)))
    .run();
  return result.changes > 0;
}

export function listServices(accountSid: string, cursor: SQL | undefined, order: Order, limit: number) {
  const dir = order === "asc" ? asc : desc;
  return db()
    .select()
    .from(services)
    .where(and(eq(services.accountSid, accountSid), cursor))
    .orderBy(dir(services.dateCreated), dir(services.sid))
    .limit(limit)
    .all();
}
