/**
 * The OpenAPI 3.1 description of `/v2`, served at `/openapi.json` and copied to
 * docs/openapi.json.
 *
 * The schemas are zod, turned into JSON Schema 2020-12 (OpenAPI 3.1's dialect) by
 * `z.toJSONSchema`. Where the parsers keep their parameters in tables (the Service settings,
 * the passkeys enums, the status columns, the paging limits) the document reads those tables.
 * The rest is written here and held to the code by tests: lib/verify/openapi.test.ts runs
 * every operation in process and checks each response against this document, and the
 * Playwright contract suite checks every response it receives (e2e/helpers/contract.ts).
 * Response objects are closed (`additionalProperties: false`) and every field is required,
 * so a serializer that adds, renames or drops a field fails both.
 */
import "server-only";
import { z } from "zod";
import { challenges, factors } from "@/db/schema/verify";
import { VerifyError, type VerifyErrorKind } from "./errors";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./paging";
import { BOOLEANS, INTEGERS, STRINGS } from "./services/schemas";
import { ATTACHMENTS, REQUIREMENTS } from "./wire";

// ---------------------------------------------------------------------------------------
// Building blocks

const hex32 = "[0-9a-f]{32}";
/** SIDs as this server mints them: lowercase hex (docs/api.md §4.2). */
const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}${hex32}$`));
/** ISO 8601, UTC, whole seconds, as `isoDate` writes it (docs/api.md §4.2). */
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  .meta({ format: "date-time", examples: ["2025-07-30T20:00:00Z"] });
const url = z.url().meta({ description: "Absolute URL on this server, built from the host the client used." });
/** The identity rule of `isIdentity` in sid.ts (docs/api.md §7.2). */
const identity = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/)
  .meta({ examples: ["ff483d1f-f6d6-4c0d-8a0c-9e5d1a3b9c21"] });
/** A passkeys setting can be cleared: "" when cleared, null when never set (docs/api.md §7.1). */
const clearable = <T extends readonly [string, ...string[]]>(values: T) => z.enum([...values, ""]).nullable();

const attachment = z.enum(ATTACHMENTS);
const requirement = z.enum(REQUIREMENTS);

// ---------------------------------------------------------------------------------------
// Responses (JSON Schema generated with io: "output": objects are closed)

const responses = z.registry<{ id: string }>();

z.object({
  code: z.int().meta({ description: "Twilio error code, e.g. 20404 or 60200." }),
  message: z.string(),
  more_info: z.url().meta({ examples: ["https://www.twilio.com/docs/errors/20404"] }),
  status: z.int().min(400).max(599).meta({ description: "The HTTP status again." }),
})
  .meta({
    description:
      "Twilio's error body (docs/api.md §6.1). Never carries both `type` and `title`, which would switch the library to RFC 9457 parsing.",
  })
  .register(responses, { id: "Error" });

const PasskeysSettings = z
  .object({
    relying_party: z.object({
      id: z.string().nullable(),
      name: z.string().nullable(),
      origins: z.array(z.string()).nullable(),
    }),
    authenticator_attachment: clearable(ATTACHMENTS),
    discoverable_credentials: clearable(REQUIREMENTS),
    user_verification: clearable(REQUIREMENTS),
  })
  .meta({ description: "The Service's passkeys settings; unset members are null, cleared ones \"\"." })
  .register(responses, { id: "PasskeysSettings" });

const Service = z
  .object({
    sid: sid("VA"),
    account_sid: sid("AC"),
    friendly_name: z.string(),
    code_length: z.int().nullable(),
    lookup_enabled: z.boolean().nullable(),
    psd2_enabled: z.boolean().nullable(),
    skip_sms_to_landlines: z.boolean().nullable(),
    dtmf_input_required: z.boolean().nullable(),
    tts_name: z.string().nullable(),
    do_not_share_warning_enabled: z.boolean().nullable(),
    custom_code_enabled: z.boolean().nullable(),
    push: z.object({
      include_date: z.boolean().nullable(),
      apn_credential_sid: z.string().nullable(),
      fcm_credential_sid: z.string().nullable(),
    }),
    totp: z.object({
      issuer: z.string().nullable(),
      time_step: z.int().nullable(),
      code_length: z.int().nullable(),
      skew: z.int().nullable(),
    }),
    default_template_sid: z.string().nullable(),
    whatsapp: z.object({ msg_service_sid: z.string().nullable(), from: z.string().nullable() }),
    passkeys: PasskeysSettings,
    verify_event_subscription_enabled: z.boolean().nullable(),
    date_created: date,
    date_updated: date,
    url,
    links: z.object({
      verification_checks: url,
      verifications: url,
      rate_limits: url,
      messaging_configurations: url,
      entities: url,
      webhooks: url,
      access_tokens: url,
    }),
  })
  .meta({ description: "A Verify Service (docs/api.md §7.1). Non-passkeys settings are stored and echoed only." })
  .register(responses, { id: "Service" });

const Entity = z
  .object({
    sid: sid("YE"),
    identity,
    account_sid: sid("AC"),
    service_sid: sid("VA"),
    date_created: date,
    date_updated: date,
    url,
    links: z.object({ factors: url, new_factors: url, challenges: url }),
  })
  .meta({ description: "An Entity: one end user, known by an opaque identity (docs/api.md §7.2)." })
  .register(responses, { id: "Entity" });

const FactorConfig = z
  .object({
    relying_party: z.object({ id: z.string(), name: z.string(), origins: z.array(z.string()) }),
    authenticator_attachment: attachment,
    discoverable_credentials: requirement,
    user_verification: requirement,
  })
  .meta({ description: "The effective relying-party settings the factor was created with." })
  .register(responses, { id: "FactorConfig" });

const factorFields = {
  sid: sid("YF"),
  account_sid: sid("AC"),
  service_sid: sid("VA"),
  entity_sid: sid("YE"),
  identity,
  date_created: date,
  date_updated: date,
  friendly_name: z.string(),
  status: z.enum(factors.status.enumValues),
  factor_type: z.enum(factors.factorType.enumValues),
  config: FactorConfig,
  metadata: z
    .object({
      aaguid: z.string().nullable(),
      backup_eligible: z.boolean().nullable(),
      backed_up: z.boolean().nullable(),
      date_last_approved: date.optional(),
    })
    .nullable()
    .meta({
      description:
        "null until verified. `backup_eligible` and `backed_up` extend Twilio's documented keys; `date_last_approved` appears once the factor has approved a challenge.",
    }),
  url,
};

const Factor = z
  .object(factorFields)
  .meta({ description: "A passkeys Factor (docs/api.md §7.3), as F1–F3 and VerifyFactor return it." })
  .register(responses, { id: "Factor" });

const descriptor = z.object({
  type: z.literal("public-key"),
  id: z.string(),
  transports: z.array(z.string()).optional(),
});

const CreationOptions = z
  .object({
    publicKey: z.object({
      rp: z.object({ id: z.string(), name: z.string() }),
      user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
      challenge: z.string(),
      pubKeyCredParams: z.array(z.object({ type: z.literal("public-key"), alg: z.int() })),
      timeout: z.int(),
      excludeCredentials: z.array(descriptor),
      authenticatorSelection: z.object({
        authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
        requireResidentKey: z.boolean(),
        residentKey: requirement,
        userVerification: requirement,
      }),
      attestation: z.literal("none"),
    }),
  })
  .meta({
    description:
      "WebAuthn creation options in the JSON form of `PublicKeyCredential.parseCreationOptionsFromJSON` (docs/api.md §9.1).",
  })
  .register(responses, { id: "CreationOptions" });

z.object({ ...factorFields, binding: z.null(), options: CreationOptions })
  .meta({ description: "The unverified Factor that Passkeys/Factors creates, with its creation options (docs/api.md §8.6)." })
  .register(responses, { id: "NewFactor" });

const RequestOptions = z
  .object({
    publicKey: z.object({
      challenge: z.string(),
      timeout: z.int().min(0),
      rpId: z.string(),
      allowCredentials: z.array(descriptor),
      userVerification: requirement,
    }),
  })
  .meta({
    description:
      "WebAuthn request options in the JSON form of `PublicKeyCredential.parseRequestOptionsFromJSON` (docs/api.md §9.2).",
  })
  .register(responses, { id: "RequestOptions" });

const challengeFields = {
  sid: sid("YC"),
  account_sid: sid("AC"),
  service_sid: sid("VA"),
  entity_sid: sid("YE").nullable(),
  identity: identity.nullable(),
  factor_sid: sid("YF").nullable(),
  date_created: date,
  date_updated: date,
  date_responded: date.nullable(),
  expiration_date: date.nullable(),
  status: z.enum(challenges.status.enumValues),
  responded_reason: z.literal("none"),
  details: z.null(),
  hidden_details: z.null(),
  metadata: z.null(),
  factor_type: z.literal("passkeys"),
};

const Challenge = z
  .object({ ...challengeFields, url, links: z.object({ notifications: url }) })
  .meta({ description: "A Challenge as the Entity's Challenges resource shows it (docs/api.md §7.4, §8.19, §8.20)." })
  .register(responses, { id: "Challenge" });

z.object({
  ...challengeFields,
  url: url.meta({ description: "The endpoint that answered, as Twilio echoes it." }),
  links: z.null(),
  options: RequestOptions,
})
  .meta({
    description: "A Challenge as Passkeys/Challenges and Passkeys/ApproveChallenge return it, with its request options (docs/api.md §7.4).",
  })
  .register(responses, { id: "PasskeysChallenge" });

const pageOf = <K extends "services" | "entities" | "factors" | "challenges">(key: K, item: z.ZodType, id: string) =>
  z
    .object({
      [key]: z.array(item),
      meta: z.object({
        page: z.int().min(0),
        page_size: z.int().min(1).max(MAX_PAGE_SIZE),
        first_page_url: url,
        previous_page_url: url.nullable(),
        url,
        next_page_url: url.nullable().meta({ description: "null on the last page; the library stops there." }),
        key: z.literal(key),
      }),
    })
    .meta({ description: `A page of ${key} (docs/api.md §5); \`meta.key\` names the array.` })
    .register(responses, { id });

pageOf("services", Service, "ServicePage");
pageOf("entities", Entity, "EntityPage");
pageOf("factors", Factor, "FactorPage");
pageOf("challenges", Challenge, "ChallengePage");

// ---------------------------------------------------------------------------------------
// Requests (io: "input": objects stay open, as the parsers ignore members they do not know)

const requests = z.registry<{ id: string }>();

/** Form fields of S1/S3, from the same tables `parseCreateService` reads. */
function serviceForm(required: boolean) {
  const fields: Record<string, z.ZodType> = {
    FriendlyName: (required ? z.string().min(1).max(32) : z.string().min(1).max(32).optional()).meta({
      description: "1 to 32 characters. `Name`, as the passkeys quickstart's curl sends it, is read as an alias.",
    }),
    "Passkeys.RelyingParty.Id": z.string().optional().meta({
      description: "A bare domain (no scheme, port or path), or localhost. Empty clears it.",
      examples: ["example.com"],
    }),
    "Passkeys.RelyingParty.Name": z.string().max(255).optional(),
    "Passkeys.RelyingParty.Origins": z.array(z.string()).optional().meta({
      description:
        "Origins, as repeated keys, one comma-separated value, or both (docs/api.md §3.1). A bare host becomes https://host; http only for localhost.",
    }),
    "Passkeys.AuthenticatorAttachment": z.enum([...ATTACHMENTS, ""]).optional(),
    "Passkeys.DiscoverableCredentials": z.enum([...REQUIREMENTS, ""]).optional(),
    "Passkeys.UserVerification": z.enum([...REQUIREMENTS, ""]).optional(),
  };
  for (const param of Object.keys(BOOLEANS)) fields[param] = z.boolean().optional();
  for (const param of Object.keys(STRINGS)) fields[param] = z.string().max(255).optional();
  for (const [param, { min, max }] of Object.entries(INTEGERS)) fields[param] = z.int().min(min).max(max).optional();
  return z.object(fields).meta({
    description:
      "Form parameters; names match case-insensitively and only the ones sent change. Settings other than FriendlyName and Passkeys.* are stored and echoed, never used.",
  });
}

serviceForm(true).register(requests, { id: "CreateServiceRequest" });
serviceForm(false).register(requests, { id: "UpdateServiceRequest" });

z.object({ Identity: identity }).register(requests, { id: "CreateEntityRequest" });

z.object({ FriendlyName: z.string().min(1).max(255).optional() })
  .meta({ description: "Only the name of a passkeys factor can change; push/TOTP parameters are refused with 60200." })
  .register(requests, { id: "UpdateFactorRequest" });

const camelAlias = "Accepted in snake_case (documented) or camelCase (the library's types); snake_case wins when both are sent.";

const FactorConfigRequest = z
  .object({
    relying_party: z
      .object({
        id: z.string().nullish(),
        name: z.string().max(255).nullish(),
        origins: z.union([z.array(z.string()).max(50), z.string()]).nullish(),
      })
      .nullish(),
    relyingParty: z.unknown().optional().meta({ description: "camelCase alias of relying_party." }),
    authenticator_attachment: attachment.nullish(),
    authenticatorAttachment: attachment.nullish(),
    discoverable_credentials: requirement.nullish(),
    discoverableCredentials: requirement.nullish(),
    user_verification: requirement.nullish(),
    userVerification: requirement.nullish(),
  })
  .meta({ description: `Members left out fall back to the Service's passkeys settings. ${camelAlias}` })
  .register(requests, { id: "FactorConfigRequest" });

z.object({
  friendly_name: z.string().min(1).max(255).optional().meta({ description: "The user display name (WebAuthn user.name)." }),
  friendlyName: z.string().min(1).max(255).optional(),
  identity: identity.optional().meta({ description: "Created on demand; an opaque one is minted when left out." }),
  config: FactorConfigRequest.nullish(),
})
  .meta({
    description: `docs/api.md §8.6. ${camelAlias}`,
    anyOf: [{ required: ["friendly_name"] }, { required: ["friendlyName"] }],
  })
  .register(requests, { id: "CreatePasskeysFactorRequest" });

z.object({
  identity: identity.nullish().meta({ description: "Limit the challenge to this Entity's passkeys." }),
  factor_sid: sid("YF").nullish().meta({ description: "Limit the challenge to one verified factor." }),
  factorSid: sid("YF").nullish(),
})
  .meta({ description: `docs/api.md §8.8. Neither identity nor factor_sid: a discoverable challenge. ${camelAlias}` })
  .register(requests, { id: "CreatePasskeysChallengeRequest" });

const credentialEnvelope = {
  id: z.string().optional().meta({ description: "Credential id, base64url." }),
  rawId: z.string().optional(),
  type: z.literal("public-key").optional(),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).nullish(),
};

z.object({
  ...credentialEnvelope,
  response: z.object({
    clientDataJSON: z.string(),
    attestationObject: z.string(),
    transports: z.array(z.string()).optional(),
  }),
})
  .meta({ description: "The browser's RegistrationResponseJSON (`credential.toJSON()`) (docs/api.md §8.7). Unknown members are ignored." })
  .register(requests, { id: "VerifyPasskeysFactorRequest" });

z.object({
  ...credentialEnvelope,
  response: z.object({
    clientDataJSON: z.string(),
    authenticatorData: z.string(),
    signature: z.string(),
    userHandle: z.string().nullish(),
  }),
})
  .meta({
    description: "The browser's AuthenticationResponseJSON (`credential.toJSON()`) (docs/api.md §8.9). Unknown members are ignored.",
    anyOf: [{ required: ["id"] }, { required: ["rawId"] }],
  })
  .register(requests, { id: "ApprovePasskeysChallengeRequest" });

// ---------------------------------------------------------------------------------------
// Operations

type Json = Record<string, unknown>;
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Refusals any operation can meet before its handler runs (http.ts). */
const ALWAYS: VerifyErrorKind[] = ["authentication_failed", "too_many_requests"];
const WRITE: VerifyErrorKind[] = ["cross_site_request"];
const BODY: VerifyErrorKind[] = ["payload_too_large", "invalid_parameter"];
const LIST: VerifyErrorKind[] = ["invalid_parameter", "invalid_page_token"];
const IN_SERVICE: VerifyErrorKind[] = ["not_found"];
const IN_ENTITY: VerifyErrorKind[] = ["not_found", "invalid_identity"];

type Operation = {
  method: "get" | "post" | "delete";
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  /** docs/api.md section, e.g. "8.1". */
  section: string;
  /** The library call that sends this request. */
  library: string;
  /** `optional`: an empty body is a valid request (updates, and `newChallenge().create()`). */
  request?: ({ form: string } | { json: string }) & { optional?: boolean };
  query?: Json[];
  success?: { status: 200 | 201 | 204; schema?: string };
  errors: VerifyErrorKind[];
  description?: string;
};

const pathParam = (name: string, schema: Json, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema,
});
const PARAMS: Record<string, Json> = {
  ServiceSid: pathParam("ServiceSid", { type: "string", pattern: `^VA[0-9a-fA-F]{32}$` }, "The Service; another account's is 404."),
  Identity: pathParam("Identity", z.toJSONSchema(identity) as Json, "The Entity's identity; a malformed one is 400 60367."),
  FactorSid: pathParam("Sid", { type: "string" }, "The Factor (YF…); anything else is 404."),
  ChallengeSid: pathParam("Sid", { type: "string" }, "The Challenge (YC…); a malformed SID is 400 60364."),
};
for (const p of Object.values(PARAMS)) delete (p.schema as Json).$schema;

const queryParam = (name: string, schema: Json, description: string) => ({ name, in: "query", required: false, description, schema });
const PAGING = [
  queryParam("PageSize", { type: "integer", minimum: 1, default: DEFAULT_PAGE_SIZE }, `Items per page; above ${MAX_PAGE_SIZE} is read as ${MAX_PAGE_SIZE}.`),
  queryParam("Page", { type: "integer", minimum: 0, default: 0 }, "Zero-based page number, echoed in meta.page."),
  queryParam("PageToken", { type: "string" }, "Opaque cursor from meta.next_page_url or previous_page_url; a bad one is 400 21481."),
];

const SERVICE = "/v2/Services/{ServiceSid}";
const ENTITY = `${SERVICE}/Entities/{Identity}`;

const OPERATIONS: Operation[] = [
  { method: "post", path: "/v2/Services", operationId: "CreateService", tag: "Services", summary: "Create a Service", section: "8.1",
    library: "verify.v2.services.create()", request: { form: "CreateServiceRequest" }, success: { status: 201, schema: "Service" },
    errors: [...ALWAYS, ...WRITE, ...BODY, "missing_parameter", "invalid_relying_party", "invalid_relying_party_id",
      "invalid_authenticator_attachment", "unsupported_relying_party"] },
  { method: "get", path: SERVICE, operationId: "FetchService", tag: "Services", summary: "Fetch a Service", section: "8.2",
    library: "services(sid).fetch()", success: { status: 200, schema: "Service" }, errors: [...ALWAYS, ...IN_SERVICE] },
  { method: "post", path: SERVICE, operationId: "UpdateService", tag: "Services", summary: "Update a Service", section: "8.3",
    library: "services(sid).update()", request: { form: "UpdateServiceRequest", optional: true }, success: { status: 200, schema: "Service" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_SERVICE, "invalid_relying_party", "invalid_relying_party_id",
      "invalid_authenticator_attachment", "unsupported_relying_party"],
    description: "Only the parameters sent change; existing factors keep the config they were created with." },
  { method: "get", path: "/v2/Services", operationId: "ListService", tag: "Services", summary: "List the account's Services", section: "8.4",
    library: "services.list() / page() / each()", query: PAGING, success: { status: 200, schema: "ServicePage" }, errors: [...ALWAYS, ...LIST] },
  { method: "delete", path: SERVICE, operationId: "DeleteService", tag: "Services", summary: "Delete a Service", section: "8.5",
    library: "services(sid).remove()", success: { status: 204 }, errors: [...ALWAYS, ...WRITE, ...IN_SERVICE],
    description: "Its entities, factors and challenges go with it." },

  { method: "post", path: `${SERVICE}/Passkeys/Factors`, operationId: "CreatePasskeysFactor", tag: "Passkeys", summary: "Start a passkey registration", section: "8.6",
    library: "services(sid).newFactors.create()", request: { json: "CreatePasskeysFactorRequest" }, success: { status: 201, schema: "NewFactor" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_SERVICE, "missing_display_name", "invalid_identity", "invalid_factor_config",
      "invalid_relying_party", "invalid_relying_party_id", "invalid_authenticator_attachment", "missing_authenticator_criteria",
      "unsupported_relying_party"] },
  { method: "post", path: `${SERVICE}/Passkeys/VerifyFactor`, operationId: "VerifyPasskeysFactor", tag: "Passkeys", summary: "Finish a passkey registration", section: "8.7",
    library: "services(sid).newVerifyFactors.update()", request: { json: "VerifyPasskeysFactorRequest" }, success: { status: 200, schema: "Factor" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_SERVICE, "unsupported_verification_content_type", "factor_not_found",
      "factor_verification_failed", "illegal_factor_status", "invalid_attestation_object", "invalid_attested_credential_data",
      "invalid_authenticator_data", "invalid_authenticator_response", "invalid_client_data", "invalid_public_key", "invalid_raw_id",
      "invalid_authenticator_attachment"] },
  { method: "post", path: `${SERVICE}/Passkeys/Challenges`, operationId: "CreatePasskeysChallenge", tag: "Passkeys", summary: "Start a passkey sign-in", section: "8.8",
    library: "services(sid).newChallenge().create()", request: { json: "CreatePasskeysChallengeRequest", optional: true },
    success: { status: 201, schema: "PasskeysChallenge" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_SERVICE, "invalid_identity", "invalid_factor_sid", "entity_not_found", "factor_not_found",
      "factor_unverified", "invalid_relying_party", "invalid_relying_party_id"] },
  { method: "post", path: `${SERVICE}/Passkeys/ApproveChallenge`, operationId: "ApprovePasskeysChallenge", tag: "Passkeys", summary: "Finish a passkey sign-in", section: "8.9",
    library: "services(sid).approveChallenge.update()", request: { json: "ApprovePasskeysChallengeRequest" },
    success: { status: 200, schema: "PasskeysChallenge" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_SERVICE, "unsupported_approval_content_type", "challenge_not_found",
      "challenge_already_responded", "challenge_expired", "challenge_verification_failed", "factor_not_found", "factor_unverified",
      "invalid_authenticator_data", "invalid_authenticator_response", "invalid_client_data", "invalid_raw_id", "invalid_signature",
      "relying_party_mismatch", "invalid_authenticator_attachment"] },

  { method: "post", path: `${SERVICE}/Entities`, operationId: "CreateEntity", tag: "Entities", summary: "Create an Entity", section: "8.10",
    library: "services(sid).entities.create()", request: { form: "CreateEntityRequest" }, success: { status: 201, schema: "Entity" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_SERVICE, "missing_parameter", "invalid_identity", "entity_exists"] },
  { method: "get", path: ENTITY, operationId: "FetchEntity", tag: "Entities", summary: "Fetch an Entity", section: "8.11",
    library: "entities(identity).fetch()", success: { status: 200, schema: "Entity" }, errors: [...ALWAYS, ...IN_ENTITY] },
  { method: "get", path: `${SERVICE}/Entities`, operationId: "ListEntity", tag: "Entities", summary: "List a Service's Entities", section: "8.12",
    library: "entities.list() / page()", query: PAGING, success: { status: 200, schema: "EntityPage" }, errors: [...ALWAYS, ...IN_SERVICE, ...LIST] },
  { method: "delete", path: ENTITY, operationId: "DeleteEntity", tag: "Entities", summary: "Delete an Entity", section: "8.13",
    library: "entities(identity).remove()", success: { status: 204 }, errors: [...ALWAYS, ...WRITE, ...IN_ENTITY],
    description: "Its factors and challenges go with it." },

  { method: "get", path: `${ENTITY}/Factors`, operationId: "ListFactor", tag: "Factors", summary: "List an Entity's Factors", section: "8.14",
    library: "entities(identity).factors.list()", query: PAGING, success: { status: 200, schema: "FactorPage" },
    errors: [...ALWAYS, ...IN_ENTITY, ...LIST] },
  { method: "get", path: `${ENTITY}/Factors/{Sid}`, operationId: "FetchFactor", tag: "Factors", summary: "Fetch a Factor", section: "8.15",
    library: "factors(sid).fetch()", success: { status: 200, schema: "Factor" }, errors: [...ALWAYS, ...IN_ENTITY] },
  { method: "post", path: `${ENTITY}/Factors/{Sid}`, operationId: "UpdateFactor", tag: "Factors", summary: "Rename a Factor", section: "8.16",
    library: "factors(sid).update()", request: { form: "UpdateFactorRequest", optional: true }, success: { status: 200, schema: "Factor" },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_ENTITY, "missing_display_name"] },
  { method: "delete", path: `${ENTITY}/Factors/{Sid}`, operationId: "DeleteFactor", tag: "Factors", summary: "Delete a Factor", section: "8.17",
    library: "factors(sid).remove()", success: { status: 204 }, errors: [...ALWAYS, ...WRITE, ...IN_ENTITY] },
  { method: "post", path: `${ENTITY}/Factors`, operationId: "CreateNewFactor", tag: "Factors", summary: "Create a push or TOTP Factor (refused)", section: "8.18",
    library: "entities(identity).newFactors.create()", request: { form: "LegacyRequest", optional: true },
    errors: [...ALWAYS, ...WRITE, ...BODY, ...IN_ENTITY, "invalid_factor_type"],
    description: "This server implements passkeys only: always 400 60369. Passkeys factors are created with Passkeys/Factors." },

  { method: "get", path: `${ENTITY}/Challenges`, operationId: "ListChallenge", tag: "Challenges", summary: "List an Entity's Challenges", section: "8.19",
    library: "entities(identity).challenges.list()",
    query: [
      queryParam("FactorSid", { type: "string", pattern: `^YF[0-9a-fA-F]{32}$` }, "Only challenges for this factor."),
      queryParam("Status", { type: "string", enum: challenges.status.enumValues }, "Only challenges in this status."),
      queryParam("Order", { type: "string", enum: ["asc", "desc"], default: "asc" }, "By creation date."),
      ...PAGING,
    ],
    success: { status: 200, schema: "ChallengePage" }, errors: [...ALWAYS, ...IN_ENTITY, ...LIST] },
  { method: "get", path: `${ENTITY}/Challenges/{Sid}`, operationId: "FetchChallenge", tag: "Challenges", summary: "Fetch a Challenge", section: "8.20",
    library: "challenges(sid).fetch()", success: { status: 200, schema: "Challenge" },
    errors: [...ALWAYS, ...IN_ENTITY, "invalid_challenge_sid"] },
  { method: "post", path: `${ENTITY}/Challenges`, operationId: "CreateChallenge", tag: "Challenges", summary: "Create a push or TOTP Challenge (refused)", section: "8.21",
    library: "entities(identity).challenges.create()", request: { form: "LegacyRequest", optional: true },
    errors: [...ALWAYS, ...WRITE, ...IN_ENTITY, "invalid_parameter"],
    description: "Passkeys challenges are created with Passkeys/Challenges: always 400 60200." },
  { method: "post", path: `${ENTITY}/Challenges/{Sid}`, operationId: "UpdateChallenge", tag: "Challenges", summary: "Answer a push or TOTP Challenge (refused)", section: "8.21",
    library: "challenges(sid).update()", request: { form: "LegacyRequest", optional: true },
    errors: [...ALWAYS, ...WRITE, ...IN_ENTITY, "invalid_parameter"],
    description: "Passkeys challenges are answered with Passkeys/ApproveChallenge: always 400 60200." },
];

z.record(z.string(), z.string())
  .meta({ description: "Twilio's push/TOTP parameters; not read, as the request is refused." })
  .register(requests, { id: "LegacyRequest" });

/** Groups kinds by HTTP status: `{ 400: ["20001 missing_parameter", …] }`. */
function errorStatuses(kinds: VerifyErrorKind[]): Map<number, string[]> {
  const byStatus = new Map<number, string[]>();
  for (const kind of new Set(kinds)) {
    const { status, code } = new VerifyError(kind, "");
    byStatus.set(status, [...(byStatus.get(status) ?? []), `${code} ${kind}`]);
  }
  // http.ts answers any unexpected exception with a bare 20500, and a database that did not
  // answer with 20503 (and Retry-After).
  byStatus.set(500, ["20500 internal error"]);
  byStatus.set(503, ["20503 service_unavailable"]);
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

function pathParams(path: string): Json[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    if (name !== "Sid") return PARAMS[name];
    return path.includes("/Factors/") ? PARAMS.FactorSid : PARAMS.ChallengeSid;
  });
}

function operationObject(op: Operation): Json {
  const responses: Json = {};
  if (op.success) {
    responses[op.success.status] = op.success.schema
      ? { description: op.summary, content: { "application/json": { schema: ref(op.success.schema) } } }
      : { description: `${op.summary}: no body.` };
  }
  for (const [status, codes] of errorStatuses(op.errors)) {
    responses[status] = {
      description: `Twilio error: ${codes.join(", ")}.`,
      content: { "application/json": { schema: ref("Error") } },
    };
  }
  let requestBody: Json | undefined;
  if (op.request && "form" in op.request) {
    const encoding = op.request.form.endsWith("ServiceRequest")
      ? { encoding: { "Passkeys.RelyingParty.Origins": { style: "form", explode: true } } }
      : {};
    requestBody = {
      required: !op.request.optional,
      content: { "application/x-www-form-urlencoded": { schema: ref(op.request.form), ...encoding } },
    };
  } else if (op.request) {
    requestBody = {
      required: !op.request.optional,
      description: "application/json only, with or without a charset; other content types are refused.",
      content: { "application/json": { schema: ref(op.request.json) } },
    };
  }
  const parameters = [...pathParams(op.path), ...(op.query ?? [])];
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, `Library: \`${op.library}\`. Contract: docs/api.md §${op.section}.`].filter(Boolean).join("\n\n"),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** Strips what `z.toJSONSchema` adds per schema that a component must not carry. */
function components(registry: z.core.$ZodRegistry<{ id: string }>, io: "input" | "output"): Record<string, Json> {
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Json>;
  };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

let cached: Json | undefined;

/** The whole document; built once per process, as nothing in it changes at run time. */
export function openApiDocument(): Json {
  if (cached) return cached;
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationObject(op);
  const schemas = { ...components(responses, "output"), ...components(requests, "input") };
  cached = {
    openapi: "3.1.1",
    info: {
      title: "OwlBank Passkeys: Verify v2 Passkeys API",
      version: "1.0.0",
      description:
        "A passkey backend that speaks Twilio Verify v2: the official `twilio` library works against it unmodified. " +
        "Form-encoded requests use Twilio's PascalCase parameter names; the Passkeys endpoints take JSON. " +
        "Responses use Twilio's snake_case field names, and every documented field is always present (null when unset). " +
        "Contract: docs/api.md.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/", description: "This server; the library adds /v2 itself." }],
    security: [{ basicAuth: [] }],
    tags: [
      { name: "Services", description: "docs/api.md §7.1" },
      { name: "Passkeys", description: "docs/api.md §8.6–8.9, §9" },
      { name: "Entities", description: "docs/api.md §7.2" },
      { name: "Factors", description: "docs/api.md §7.3" },
      { name: "Challenges", description: "docs/api.md §7.4" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        basicAuth: {
          type: "http",
          scheme: "basic",
          description:
            "Account SID and Auth Token, or API Key SID (SK…) and its secret (docs/api.md §2). Failure is 401 20003; another account's resources are 404.",
        },
      },
    },
  };
  return cached;
}
