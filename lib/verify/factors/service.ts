/**
 * Passkeys Factors: creation (P1) and the Entity's factor list (F1–F5). Registration
 * itself is finished in `verify-registration.ts` (P2).
 */
import "server-only";
import { randomBytes } from "node:crypto";
import type { FactorRow } from "@/db/schema/verify";
import { credentialDescriptor, creationOptions, REGISTRATION_TIMEOUT_MS, SUPPORTED_ALGORITHMS } from "@/lib/webauthn/options";
import { toBase64Url } from "@/lib/webauthn/encoding";
import { type EntityParams, findOrCreateEntity, requireEntity } from "../entities/service";
import { fail, notFound } from "../errors";
import { json, noContent, type VerifyRequest } from "../http";
import { paginate, parsePageQuery } from "../paging";
import { requireService } from "../services/service";
import { newSid } from "../sid";
import * as repo from "./repository";
import { effectiveConfig, parseCreateFactor, parseFactorSidParam, parseUpdateFactor } from "./schemas";
import { serializeFactor } from "./serialize";

type ServiceParams = { serviceSid: string };
type FactorParams = EntityParams & { factorSid: string };

/** P1: creates an unverified passkeys factor and the WebAuthn creation options for it. */
export async function create(req: VerifyRequest<ServiceParams>) {
  const service = await requireService(req);
  const input = parseCreateFactor(await req.json("invalid_parameter"));
  const config = effectiveConfig(input, service.passkeys);
  // The quickstart lets identity be omitted (docs/api.md §11, row 6): mint an opaque one.
  const entity = await findOrCreateEntity(service, input.identity ?? randomBytes(16).toString("hex"));

  const now = Date.now();
  const sid = newSid("YF");
  const row: FactorRow = {
    sid,
    serviceSid: service.sid,
    accountSid: service.accountSid,
    entitySid: entity.sid,
    friendlyName: input.friendlyName,
    status: "unverified",
    factorType: "passkeys",
    config,
    // The challenge is the factor SID itself, as in Twilio's examples (docs/api.md §9.1): 128 random bits.
    challenge: toBase64Url(sid),
    registrationExpiresAt: now + REGISTRATION_TIMEOUT_MS,
    algorithms: SUPPORTED_ALGORITHMS,
    credentialId: null,
    publicKey: null,
    counter: 0,
    transports: null,
    aaguid: null,
    backupEligible: null,
    backedUp: null,
    dateLastApproved: null,
    dateCreated: now,
    dateUpdated: now,
  };
  await repo.insertFactor(row);

  const exclude = (await repo.verifiedFactors(service.sid, entity.sid))
    .filter((f) => f.credentialId && f.config.relying_party.id === config.relying_party.id)
    .map((f) => credentialDescriptor(f.credentialId as string, f.transports));
  const options = creationOptions({
    rp: { id: config.relying_party.id, name: config.relying_party.name },
    userHandle: entity.sid,
    userName: input.friendlyName,
    challenge: sid,
    exclude,
    attachment: config.authenticator_attachment,
    residentKey: config.discoverable_credentials,
    userVerification: config.user_verification,
  });
  return json(201, { ...serializeFactor(row, entity, req.base), binding: null, options });
}

async function requireFactor(req: VerifyRequest<FactorParams>) {
  const { service, entity } = await requireEntity(req);
  const sid = parseFactorSidParam(req.params.factorSid) ?? notFound(req.path);
  const factor = (await repo.findEntityFactor(service.sid, entity.sid, sid)) ?? notFound(req.path);
  return { service, entity, factor };
}

/** F1 */
export async function list(req: VerifyRequest<EntityParams>) {
  const { service, entity } = await requireEntity(req);
  return json(
    200,
    await paginate({
      key: "factors",
      base: req.base,
      path: req.path,
      query: parsePageQuery(req.query),
      columns: { dateCreated: repo.factorsTable.dateCreated, sid: repo.factorsTable.sid },
      read: (cursor, order, limit) => repo.listFactors(service.sid, entity.sid, cursor, order, limit),
      serialize: (row) => serializeFactor(row, entity, req.base),
    }),
  );
}

/** F2 */
export async function fetch(req: VerifyRequest<FactorParams>) {
  const { entity, factor } = await requireFactor(req);
  return json(200, serializeFactor(factor, entity, req.base));
}

/** F3: renames the factor here; the name stored in the authenticator does not change. */
export async function update(req: VerifyRequest<FactorParams>) {
  const { service, entity, factor } = await requireFactor(req);
  const { friendlyName } = parseUpdateFactor(await req.form());
  if (friendlyName === undefined) return json(200, serializeFactor(factor, entity, req.base));
  const now = Date.now();
  await repo.renameFactor(service.sid, factor.sid, friendlyName, now);
  return json(200, serializeFactor({ ...factor, friendlyName, dateUpdated: now }, entity, req.base));
}

/** F4: the credential can approve nothing more; challenges targeted at it become unusable. */
export async function remove(req: VerifyRequest<FactorParams>) {
  const { service, entity, factor } = await requireFactor(req);
  if (!(await repo.deleteFactor(service.sid, entity.sid, factor.sid))) notFound(req.path);
  return noContent();
}

/** F5: the push/TOTP factor endpoint. This server implements passkeys only (docs/api.md §8.18). */
export async function createLegacy(req: VerifyRequest<EntityParams>) {
  await requireEntity(req);
  const type = (await req.form()).get("FactorType");
  if (type === "passkeys") {
    fail("invalid_factor_type", "Passkeys factors are created with POST /v2/Services/{ServiceSid}/Passkeys/Factors");
  }
  return fail("invalid_factor_type", `Invalid parameter: FactorType: this server supports only passkeys factors, created with Passkeys/Factors`);
}
