/**
 * Wire → domain for Factors: the P1 JSON body (snake_case or camelCase, docs/api.md §3.2) and the
 * F3 form.
 */
import type { PasskeysSettings } from "@/db/schema/verify";
import { fail, invalidParameter } from "../errors";
import type { FormBody } from "../http";
import { isSid } from "../sid";
import { type Attachment, ATTACHMENTS, normaliseOrigin, oneOf, type Requirement, REQUIREMENTS, relyingPartyId, strictestUserVerification } from "../wire";
import { parseIdentity } from "../entities/schemas";

/** Reads `snake` or its camelCase alias; snake_case wins when both are sent (docs/api.md §3.2). */
export function field(body: Record<string, unknown>, snake: string, camel: string): unknown {
  return body[snake] !== undefined ? body[snake] : body[camel];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export type CreateFactorInput = {
  friendlyName: string;
  identity: string | undefined;
  relyingParty: { id?: string; name?: string; origins?: string[] };
  authenticatorAttachment?: Attachment;
  discoverableCredentials?: Requirement;
  userVerification?: Requirement;
};

export function friendlyName(value: unknown, name: string): string {
  if (value === undefined || value === null || value === "") {
    fail("missing_display_name", `Missing required parameter ${name}: the user display name`);
  }
  if (typeof value !== "string" || value.trim() === "" || value.length > 255) {
    invalidParameter(name, "must be 1 to 255 characters");
  }
  return value as string;
}

/** P1 */
export function parseCreateFactor(body: Record<string, unknown>): CreateFactorInput {
  const name = friendlyName(field(body, "friendly_name", "friendlyName"), "friendly_name");
  const identityValue = body.identity;
  const identity = identityValue === undefined ? undefined : parseIdentity(identityValue, "identity");

  const config = body.config;
  if (config !== undefined && config !== null && !isObject(config)) {
    fail("invalid_factor_config", "Invalid parameter: config must be an object");
  }
  const c = (config ?? {}) as Record<string, unknown>;

  const rp = field(c, "relying_party", "relyingParty");
  if (rp !== undefined && rp !== null && !isObject(rp)) {
    fail("invalid_relying_party", "Invalid parameter: config.relying_party must be an object");
  }
  const r = (rp ?? {}) as Record<string, unknown>;
  const relyingParty: CreateFactorInput["relyingParty"] = {};
  if (r.id !== undefined && r.id !== null) relyingParty.id = relyingPartyId(r.id, "config.relying_party.id");
  if (r.name !== undefined && r.name !== null) {
    if (typeof r.name !== "string" || r.name.length > 255) {
      fail("invalid_relying_party", "Invalid parameter: config.relying_party.name must be a string of at most 255 characters");
    }
    relyingParty.name = r.name;
  }
  if (r.origins !== undefined && r.origins !== null) {
    const list = typeof r.origins === "string" ? r.origins.split(",") : r.origins;
    if (!Array.isArray(list) || list.length > 50 || !list.every((o) => typeof o === "string")) {
      fail("invalid_relying_party", "Invalid parameter: config.relying_party.origins must be an array of origins");
    }
    relyingParty.origins = [...new Set((list as string[]).filter((o) => o.trim() !== "").map((o) => normaliseOrigin(o, "config.relying_party.origins")))];
  }

  const attachment = field(c, "authenticator_attachment", "authenticatorAttachment");
  const discoverable = field(c, "discoverable_credentials", "discoverableCredentials");
  const verification = field(c, "user_verification", "userVerification");
  return {
    friendlyName: name,
    identity,
    relyingParty,
    authenticatorAttachment:
      attachment == null
        ? undefined
        : oneOf(ATTACHMENTS, attachment, "config.authenticator_attachment", "invalid_authenticator_attachment"),
    discoverableCredentials:
      discoverable == null ? undefined : oneOf(REQUIREMENTS, discoverable, "config.discoverable_credentials"),
    userVerification: verification == null ? undefined : oneOf(REQUIREMENTS, verification, "config.user_verification"),
  };
}

/**
 * Fills what the request left out from the Service's passkeys settings, member by member;
 * a Service that requires user verification also overrides a weaker `user_verification`.
 */
export function effectiveConfig(input: CreateFactorInput, service: PasskeysSettings) {
  const fallback = <T extends string>(value: T | undefined, stored: string | null) =>
    value ?? ((stored || undefined) as T | undefined);
  const id = input.relyingParty.id ?? (service.relying_party.id || undefined);
  const origins = input.relyingParty.origins ?? service.relying_party.origins ?? [];
  const criteria = {
    authenticator_attachment: fallback(input.authenticatorAttachment, service.authenticator_attachment),
    discoverable_credentials: fallback(input.discoverableCredentials, service.discoverable_credentials),
    user_verification: fallback(input.userVerification, service.user_verification),
  };
  const missing = Object.entries(criteria)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) {
    fail(
      "missing_authenticator_criteria",
      `Authenticator criteria are missing: ${missing.join(", ")}. Send them in config or set them on the Service`,
    );
  }
  if (!id) fail("invalid_relying_party_id", "Relying party id is missing: send config.relying_party.id or set it on the Service");
  if (origins.length === 0) {
    fail("invalid_relying_party", "Relying party origins are missing: send config.relying_party.origins or set them on the Service");
  }
  return {
    relying_party: { id, name: input.relyingParty.name ?? (service.relying_party.name || id), origins },
    authenticator_attachment: criteria.authenticator_attachment as Attachment,
    discoverable_credentials: criteria.discoverable_credentials as Requirement,
    // The creation options then ask the browser for what VerifyFactor will demand.
    user_verification: strictestUserVerification(criteria.user_verification as Requirement, service.user_verification),
  };
}

/** F3: for passkeys only the name can change; push/TOTP parameters are refused (docs/api.md §8.16). */
export function parseUpdateFactor(body: FormBody): { friendlyName?: string } {
  if (body.has("AuthPayload")) {
    invalidParameter("AuthPayload", "passkeys factors are verified through Passkeys/VerifyFactor");
  }
  for (const key of ["Config.NotificationToken", "Config.SdkVersion", "Config.TimeStep", "Config.Skew", "Config.CodeLength", "Config.Alg", "Config.NotificationPlatform"]) {
    if (body.has(key)) invalidParameter(key, "does not apply to passkeys factors");
  }
  const name = body.get("FriendlyName");
  return name === undefined ? {} : { friendlyName: friendlyName(name, "FriendlyName") };
}

export function parseFactorSidParam(value: string): string | null {
  return isSid("YF", value) ? value : null;
}
