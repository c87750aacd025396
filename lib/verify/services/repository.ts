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

export async function findService(accountSid: string, serviceSid: string): Promise<ServiceRow | undefined> {
  const [row] = await statements().find.execute({ accountSid, sid: serviceSid });
  return row;
}

export async function insertService(row: ServiceRow): Promise<void> {
  await db().insert(services).values(row);
}

export async function updateService(
  accountSid: string,
  serviceSid: string,
  set: Pick<ServiceRow, "friendlyName" | "settings" | "passkeys" | "dateUpdated">,
): Promise<void> {
  await db()
    .update(services)
    .set(set)
    .where(and(eq(services.accountSid, accountSid), eq(services.sid, serviceSid)));
}

/** Deletes the Service; entities, factors and challenges go with it (ON DELETE CASCADE). */
export async function deleteService(accountSid: string, serviceSid: string): Promise<boolean> {
  const deleted = await db()
    .delete(services)
    .where(and(eq(services.accountSid, accountSid), eq(services.sid, serviceSid)))
    .returning({ sid: services.sid });
  return deleted.length > 0;
}

export async function listServices(accountSid: string, cursor: SQL | undefined, order: Order, limit: number) {
  const dir = order === "asc" ? asc : desc;
  return await db()
    .select()
    .from(services)
    .where(and(eq(services.accountSid, accountSid), cursor))
    .orderBy(dir(services.dateCreated), dir(services.sid))
    .limit(limit);
}
