/**
 * Passkeys Challenges: creation (P3) and the Entity's challenge list (C1–C4). Approval is
 * in `approve.ts` (P4).
 */
import "server-only";
import type { ChallengeRow, EntityRow, FactorRow, ServiceRow } from "@/db/schema/verify";
import { config } from "@/lib/env";
import { toBase64Url } from "@/lib/webauthn/encoding";
import { credentialDescriptor } from "@/lib/webauthn/options";
import { findEntity, findEntityBySid } from "../entities/repository";
import { type EntityParams, requireEntity } from "../entities/service";
import { parseIdentity } from "../entities/schemas";
import { fail, invalidParameter, notFound } from "../errors";
import * as factorRepo from "../factors/repository";
import { field } from "../factors/schemas";
import { json, type VerifyRequest } from "../http";
import { type Order, paginate, parsePageQuery } from "../paging";
import { requireService } from "../services/service";
import { isSid, newSid } from "../sid";
import { oneOf, strictestUserVerification } from "../wire";
import * as repo from "./repository";
import { serializeChallenge } from "./serialize";

type ServiceParams = { serviceSid: string };

/** Who a new challenge is for: nobody yet (discoverable), an entity, or one factor. */
type Target = { entity: EntityRow | null; factors: FactorRow[]; single: FactorRow | null };

async function resolveTarget(service: ServiceRow, body: Record<string, unknown>): Promise<Target> {
  const identityValue = body.identity;
  const factorValue = field(body, "factor_sid", "factorSid");
  const identity = identityValue == null ? undefined : parseIdentity(identityValue, "identity");
  if (factorValue != null && !isSid("YF", factorValue)) {
    fail("invalid_factor_sid", "Invalid parameter: factor_sid must be YF followed by 32 hex digits");
  }

  let entity: EntityRow | null = null;
  if (identity !== undefined) {
    entity = (await findEntity(service.sid, identity)) ?? fail("entity_not_found", `Entity ${identity} was not found in this Service`);
  }
  if (factorValue != null) {
    const factor = await factorRepo.findFactor(service.sid, factorValue as string);
    if (!factor || (entity && factor.entitySid !== entity.sid)) {
      fail("factor_not_found", `Factor ${factorValue} was not found${entity ? ` for entity ${identity}` : ""}`);
    }
    if (factor.status !== "verified") fail("factor_unverified", `Factor ${factor.sid} is not verified`);
    entity ??= (await findEntityBySid(service.sid, factor.entitySid)) ?? null;
    return { entity, factors: [factor], single: factor };
  }
  if (entity) {
    const factors = await factorRepo.verifiedFactors(service.sid, entity.sid);
    if (factors.length === 0) fail("factor_not_found", `Entity ${entity.identity} has no verified passkeys factor`);
    return { entity, factors, single: null };
  }
  return { entity: null, factors: [], single: null };
}

/**
 * P3: starts an authentication. With no identity it is a discoverable ("usernameless")
 * challenge: the authenticator picks the credential and its userHandle names the user.
 */
export async function create(req: VerifyRequest<ServiceParams>) {
  const service = await requireService(req);
  const target = await resolveTarget(service, await req.json("invalid_parameter"));

  // One targeted factor carries its own relying party; otherwise the Service's settings
  // apply, and an entity's factors can stand in for a Service that has none.
  const source = target.single?.config ?? null;
  const rpId = source?.relying_party.id ?? (service.passkeys.relying_party.id || target.factors[0]?.config.relying_party.id);
  if (!rpId) fail("invalid_relying_party_id", "The Service has no passkeys relying party id; set Passkeys.RelyingParty.Id");
  const origins = source?.relying_party.origins ??
    (service.passkeys.relying_party.origins?.length ? service.passkeys.relying_party.origins : target.factors[0]?.config.relying_party.origins);
  if (!origins?.length) fail("invalid_relying_party", "The Service has no passkeys origins; set Passkeys.RelyingParty.Origins");
  // A targeted factor's own setting applies, but never below a Service that requires UV.
  const userVerification = source
    ? strictestUserVerification(source.user_verification, service.passkeys.user_verification)
    : ((service.passkeys.user_verification || target.factors[0]?.config.user_verification || "preferred") as ChallengeRow["userVerification"]);

  const allow = target.factors
    .filter((f) => f.credentialId && f.config.relying_party.id === rpId)
    .map((f) => credentialDescriptor(f.credentialId as string, f.transports));
  if (target.entity && allow.length === 0) {
    fail("factor_not_found", `Entity ${target.entity.identity} has no verified passkey for relying party ${rpId}`);
  }

  const now = Date.now();
  const sid = newSid("YC");
  const row: ChallengeRow = {
    sid,
    serviceSid: service.sid,
    accountSid: service.accountSid,
    entitySid: target.entity?.sid ?? null,
    factorSid: target.single?.sid ?? null,
    // As in Twilio's SDK examples, the WebAuthn challenge is the SID itself: 128 random bits.
    challenge: toBase64Url(sid),
    rpId,
    origins,
    userVerification,
    allowCredentials: allow,
    status: "pending",
    dateResponded: null,
    expirationDate: now + config().challengeTtlMs,
    dateCreated: now,
    dateUpdated: now,
  };
  await repo.insertChallenge(row);
  return json(201, serializeChallenge(row, target.entity?.identity ?? null, req.base, { endpoint: "Challenges" }));
}

const STATUSES = ["pending", "expired", "approved", "denied"] as const;

/** C1: passkeys challenges bound to the entity, after lazy expiry. */
export async function list(req: VerifyRequest<EntityParams>) {
  const { service, entity } = await requireEntity(req);
  const status = req.query.get("Status") ?? undefined;
  const factorSid = req.query.get("FactorSid") ?? undefined;
  const orderText = req.query.get("Order") ?? undefined;
  if (status !== undefined) oneOf(STATUSES, status, "Status");
  if (factorSid !== undefined && !isSid("YF", factorSid)) invalidParameter("FactorSid", "must be YF followed by 32 hex digits");
  const order: Order = orderText === undefined ? "asc" : oneOf(["asc", "desc"] as const, orderText, "Order");

  await repo.expireEntityChallenges(service.sid, entity.sid, Date.now());
  return json(
    200,
    await paginate({
      key: "challenges",
      base: req.base,
      path: req.path,
      query: parsePageQuery(req.query),
      order,
      filters: { FactorSid: factorSid, Status: status, Order: orderText },
      columns: { dateCreated: repo.challengesTable.dateCreated, sid: repo.challengesTable.sid },
      read: (cursor, readOrder, limit) =>
        repo.listEntityChallenges(service.sid, entity.sid, { status, factorSid }, cursor, readOrder, limit),
      serialize: (row) => serializeChallenge(row, entity.identity, req.base, { resource: true }),
    }),
  );
}

type ChallengeParams = EntityParams & { challengeSid: string };

/** C2 */
export async function fetch(req: VerifyRequest<ChallengeParams>) {
  const { service, entity } = await requireEntity(req);
  if (!isSid("YC", req.params.challengeSid)) {
    fail("invalid_challenge_sid", "Invalid parameter: the challenge SID must be YC followed by 32 hex digits");
  }
  await repo.expireEntityChallenges(service.sid, entity.sid, Date.now());
  const row = (await repo.findEntityChallenge(service.sid, entity.sid, req.params.challengeSid)) ?? notFound(req.path);
  return json(200, serializeChallenge(row, entity.identity, req.base, { resource: true }));
}

/** C3/C4: push/TOTP endpoints; passkeys challenges go through Passkeys/Challenges and ApproveChallenge. */
export async function legacy(req: VerifyRequest<EntityParams>) {
  await requireEntity(req);
  return invalidParameter(
    "FactorSid",
    "passkeys challenges are created with Passkeys/Challenges and answered with Passkeys/ApproveChallenge",
  );
}
