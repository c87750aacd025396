/**
 * Tables of the Verify-compatible backend. They hold no personal data: an Entity's
 * `identity` is an opaque id chosen by the customer (OwlBank passes a random UUID),
 * and a Factor holds only credential material and status.
 */
import type { PublicKeyCredentialDescriptorJSON } from "@simplewebauthn/server";
import { sql } from "drizzle-orm";
import {
  blob,
  index,
  integer,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** Dates are stored as Unix milliseconds; the wire format (ISO 8601) lives in serializers. */
const timestamps = {
  dateCreated: integer("date_created", { mode: "number" }).notNull(),
  dateUpdated: integer("date_updated", { mode: "number" }).notNull(),
};

export const accounts = sqliteTable("verify_accounts", {
  sid: text("sid").primaryKey(),
  /** SHA-256 of the auth token: tokens are 128-bit random, so a fast hash is enough. */
  authTokenHash: text("auth_token_hash").notNull(),
  dateCreated: integer("date_created", { mode: "number" }).notNull(),
});

export const apiKeys = sqliteTable("verify_api_keys", {
  sid: text("sid").primaryKey(),
  accountSid: text("account_sid")
    .notNull()
    .references(() => accounts.sid, { onDelete: "cascade" }),
  secretHash: text("secret_hash").notNull(),
  dateCreated: integer("date_created", { mode: "number" }).notNull(),
});

export type PasskeysSettings = {
  relying_party: { id: string | null; name: string | null; origins: string[] | null };
  authenticator_attachment: string | null;
  discoverable_credentials: string | null;
  user_verification: string | null;
};

/** Non-passkeys Service settings the library can send; stored and echoed, never interpreted. */
export type ServiceSettings = Record<string, string | number | boolean | null>;

export const services = sqliteTable(
  "verify_services",
  {
    sid: text("sid").primaryKey(),
    accountSid: text("account_sid")
      .notNull()
      .references(() => accounts.sid, { onDelete: "cascade" }),
    friendlyName: text("friendly_name").notNull(),
    settings: text("settings", { mode: "json" }).$type<ServiceSettings>().notNull(),
    passkeys: text("passkeys", { mode: "json" }).$type<PasskeysSettings>().notNull(),
    ...timestamps,
  },
  (t) => [index("verify_services_account").on(t.accountSid, t.dateCreated, t.sid)],
);

export const entities = sqliteTable(
  "verify_entities",
  {
    sid: text("sid").primaryKey(),
    serviceSid: text("service_sid")
      .notNull()
      .references(() => services.sid, { onDelete: "cascade" }),
    accountSid: text("account_sid").notNull(),
    identity: text("identity").notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("verify_entities_identity").on(t.serviceSid, t.identity),
    index("verify_entities_page").on(t.serviceSid, t.dateCreated, t.sid),
  ],
);

/** The effective relying-party settings a factor was created with (Twilio's factor `config`). */
export type FactorConfig = {
  relying_party: { id: string; name: string; origins: string[] };
  authenticator_attachment: "platform" | "cross-platform" | "any";
  discoverable_credentials: "required" | "preferred" | "discouraged";
  user_verification: "required" | "preferred" | "discouraged";
};

export const factors = sqliteTable(
  "verify_factors",
  {
    sid: text("sid").primaryKey(),
    serviceSid: text("service_sid")
      .notNull()
      .references(() => services.sid, { onDelete: "cascade" }),
    accountSid: text("account_sid").notNull(),
    entitySid: text("entity_sid")
      .notNull()
      .references(() => entities.sid, { onDelete: "cascade" }),
    friendlyName: text("friendly_name").notNull(),
    status: text("status", { enum: ["unverified", "verified"] }).notNull(),
    factorType: text("factor_type", { enum: ["passkeys"] }).notNull(),
    config: text("config", { mode: "json" }).$type<FactorConfig>().notNull(),
    /** Registration challenge (base64url); the factor can be verified only while it is unexpired. */
    challenge: text("challenge").notNull(),
    registrationExpiresAt: integer("registration_expires_at", { mode: "number" }).notNull(),
    /** COSE algorithms offered in the creation options; the attested key must use one of them. */
    algorithms: text("algorithms", { mode: "json" }).$type<number[]>().notNull(),
    credentialId: text("credential_id"),
    publicKey: blob("public_key", { mode: "buffer" }),
    counter: integer("counter", { mode: "number" }).notNull().default(0),
    transports: text("transports", { mode: "json" }).$type<string[]>(),
    aaguid: text("aaguid"),
    backupEligible: integer("backup_eligible", { mode: "boolean" }),
    backedUp: integer("backed_up", { mode: "boolean" }),
    dateLastApproved: integer("date_last_approved", { mode: "number" }),
    ...timestamps,
  },
  (t) => [
    // A credential can back only one factor in a Service (docs/api.md §9.3 step 8), enforced by the
    // database so two concurrent VerifyFactor calls cannot both win.
    uniqueIndex("verify_factors_credential")
      .on(t.serviceSid, t.credentialId)
      .where(sql`credential_id IS NOT NULL`),
    uniqueIndex("verify_factors_challenge").on(t.serviceSid, t.challenge),
    index("verify_factors_page").on(t.entitySid, t.dateCreated, t.sid),
  ],
);

export const challenges = sqliteTable(
  "verify_challenges",
  {
    sid: text("sid").primaryKey(),
    serviceSid: text("service_sid")
      .notNull()
      .references(() => services.sid, { onDelete: "cascade" }),
    accountSid: text("account_sid").notNull(),
    /** Set when the challenge was created for a user, or once an approval identified one. */
    entitySid: text("entity_sid").references(() => entities.sid, { onDelete: "cascade" }),
    /**
     * Deliberately no foreign key: if the targeted factor is deleted the challenge must stay
     * bound to it (and so become unusable), not silently widen to any credential.
     */
    factorSid: text("factor_sid"),
    challenge: text("challenge").notNull(),
    rpId: text("rp_id").notNull(),
    origins: text("origins", { mode: "json" }).$type<string[]>().notNull(),
    userVerification: text("user_verification", {
      enum: ["required", "preferred", "discouraged"],
    }).notNull(),
    allowCredentials: text("allow_credentials", { mode: "json" })
      .$type<PublicKeyCredentialDescriptorJSON[]>()
      .notNull(),
    status: text("status", { enum: ["pending", "expired", "approved", "denied"] }).notNull(),
    dateResponded: integer("date_responded", { mode: "number" }),
    expirationDate: integer("expiration_date", { mode: "number" }).notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("verify_challenges_challenge").on(t.serviceSid, t.challenge),
    index("verify_challenges_entity").on(t.entitySid, t.dateCreated, t.sid),
  ],
);

/**
 * Request budgets and authentication-failure counts of /v2, one row per key and fixed window,
 * shared by every instance on this database (lib/rate-limit.ts). Keys are HMACs: no address
 * is stored. Rows of finished windows are swept.
 */
export const verifyRateLimits = sqliteTable(
  "verify_rate_limits",
  {
    key: text("key").primaryKey(),
    windowStart: integer("window_start", { mode: "number" }).notNull(),
    count: integer("count", { mode: "number" }).notNull(),
  },
  (t) => [index("verify_rate_limits_window").on(t.windowStart)],
);

export type AccountRow = typeof accounts.$inferSelect;
export type ServiceRow = typeof services.$inferSelect;
export type EntityRow = typeof entities.$inferSelect;
export type FactorRow = typeof factors.$inferSelect;
export type ChallengeRow = typeof challenges.$inferSelect;
