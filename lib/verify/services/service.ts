/**
 * Verify Services: the container of a customer's relying-party settings.
 */
import "server-only";
import type { ServiceRow } from "@/db/schema/verify";
import { notFound } from "../errors";
import { json, noContent, type VerifyRequest } from "../http";
import { paginate, parsePageQuery } from "../paging";
import { newSid } from "../sid";
import * as repo from "./repository";
import { applyPasskeysPatch, parseCreateService, parseUpdateService } from "./schemas";
import { serializeService } from "./serialize";

type ServiceParams = { serviceSid: string };

const EMPTY_PASSKEYS = {
  relying_party: { id: null, name: null, origins: null },
  authenticator_attachment: null,
  discoverable_credentials: null,
  user_verification: null,
};

/**
 * The Service named in the path, if the caller's account owns it. Every handler under
 * `/Services/{ServiceSid}` starts here, so tenant isolation has one gate.
 */
export async function requireService(req: VerifyRequest<ServiceParams>): Promise<ServiceRow> {
  return (await repo.findService(req.account, req.params.serviceSid)) ?? notFound(req.path);
}

/** S1: creates a Service owned by the caller's account. */
export async function create(req: VerifyRequest<object>) {
  const input = parseCreateService(await req.form());
  const now = Date.now();
  const row: ServiceRow = {
    sid: newSid("VA"),
    accountSid: req.account,
    friendlyName: input.friendlyName,
    settings: input.settings,
    passkeys: applyPasskeysPatch(EMPTY_PASSKEYS, input.passkeys),
    dateCreated: now,
    dateUpdated: now,
  };
  await repo.insertService(row);
  return json(201, serializeService(row, req.base));
}

/** S2 */
export async function fetch(req: VerifyRequest<ServiceParams>) {
  return json(200, serializeService(await requireService(req), req.base));
}

/** S3: only the parameters sent change; existing factors keep the config they were created with. */
export async function update(req: VerifyRequest<ServiceParams>) {
  const current = await requireService(req);
  const patch = parseUpdateService(await req.form());
  const next: ServiceRow = {
    ...current,
    friendlyName: patch.friendlyName ?? current.friendlyName,
    settings: { ...current.settings, ...patch.settings },
    passkeys: applyPasskeysPatch(current.passkeys, patch.passkeys),
    dateUpdated: Date.now(),
  };
  await repo.updateService(req.account, current.sid, next);
  return json(200, serializeService(next, req.base));
}

/** S4: the caller's Services only. */
export async function list(req: VerifyRequest<object>) {
  return json(
    200,
    await paginate({
      key: "services",
      base: req.base,
      path: req.path,
      query: parsePageQuery(req.query),
      columns: { dateCreated: repo.servicesTable.dateCreated, sid: repo.servicesTable.sid },
      read: (cursor, order, limit) => repo.listServices(req.account, cursor, order, limit),
      serialize: (row) => serializeService(row, req.base),
    }),
  );
}

/** S5: cascades to entities, factors and challenges. */
export async function remove(req: VerifyRequest<ServiceParams>) {
  if (!(await repo.deleteService(req.account, req.params.serviceSid))) notFound(req.path);
  return noContent();
}
