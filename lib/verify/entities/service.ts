/**
 * Verify Entities: one per end user, known only by an opaque identity.
 */
import "server-only";
import type { EntityRow, ServiceRow } from "@/db/schema/verify";
import { fail, notFound } from "../errors";
import { json, noContent, type VerifyRequest } from "../http";
import { paginate, parsePageQuery } from "../paging";
import { requireService } from "../services/service";
import { newSid } from "../sid";
import * as repo from "./repository";
import { parseCreateEntity, parseIdentity } from "./schemas";
import { serializeEntity } from "./serialize";

type ServiceParams = { serviceSid: string };
export type EntityParams = ServiceParams & { identity: string };

/**
 * The Service and Entity named in the path, or 404. A malformed identity in a path is
 * refused with 60367, since it could never name an entity.
 */
export async function requireEntity(req: VerifyRequest<EntityParams>): Promise<{ service: ServiceRow; entity: EntityRow }> {
  const service = await requireService(req);
  const identity = parseIdentity(req.params.identity, "Identity");
  const entity = (await repo.findEntity(service.sid, identity)) ?? notFound(req.path);
  return { service, entity };
}

/** Finds the entity for `identity`, creating it when absent (P1 creates entities on demand). */
export async function findOrCreateEntity(service: ServiceRow, identity: string): Promise<EntityRow> {
  const existing = await repo.findEntity(service.sid, identity);
  if (existing) return existing;
  const now = Date.now();
  const row: EntityRow = {
    sid: newSid("YE"),
    serviceSid: service.sid,
    accountSid: service.accountSid,
    identity,
    dateCreated: now,
    dateUpdated: now,
  };
  // Two concurrent first requests for one identity: the loser reads the winner's row.
  return (await repo.insertEntity(row)) ? row : ((await repo.findEntity(service.sid, identity)) as EntityRow);
}

/** E1 */
export async function create(req: VerifyRequest<ServiceParams>) {
  const service = await requireService(req);
  const { identity } = parseCreateEntity(await req.form());
  const now = Date.now();
  const row: EntityRow = {
    sid: newSid("YE"),
    serviceSid: service.sid,
    accountSid: service.accountSid,
    identity,
    dateCreated: now,
    dateUpdated: now,
  };
  if (!(await repo.insertEntity(row))) fail("entity_exists", `Entity ${identity} already exists in Service ${service.sid}`);
  return json(201, serializeEntity(row, req.base));
}

/** E2 */
export async function fetch(req: VerifyRequest<EntityParams>) {
  return json(200, serializeEntity((await requireEntity(req)).entity, req.base));
}

/** E3 */
export async function list(req: VerifyRequest<ServiceParams>) {
  const service = await requireService(req);
  return json(
    200,
    await paginate({
      key: "entities",
      base: req.base,
      path: req.path,
      query: parsePageQuery(req.query),
      columns: { dateCreated: repo.entitiesTable.dateCreated, sid: repo.entitiesTable.sid },
      read: (cursor, order, limit) => repo.listEntities(service.sid, cursor, order, limit),
      serialize: (row) => serializeEntity(row, req.base),
    }),
  );
}

/** E4: its factors and challenges go too, so its passkeys can approve nothing more. */
export async function remove(req: VerifyRequest<EntityParams>) {
  const { service, entity } = await requireEntity(req);
  if (!(await repo.deleteEntity(service.sid, entity.identity))) notFound(req.path);
  return noContent();
}
