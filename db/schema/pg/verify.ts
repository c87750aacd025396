/**
 * The Verify tables for PostgreSQL: the same tables, columns, keys and indexes as
 * db/schema/sqlite/verify.ts, which documents what each one means. The JavaScript values read
 * and written are identical on both engines (db/schema/equivalence.test.ts checks the
 * definitions match): epoch milliseconds and WebAuthn counters are `bigint` in "number" mode
 * because they do not fit in int4, JSON is `json` (not `jsonb`) so key order survives a round
 * trip, and binary data is `bytea` returned as a Buffer.
 */
import type { PublicKeyCredentialDescriptorJSON } from "@simplewebauthn/server";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  index,
  json,
  pgTable,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { FactorConfig, PasskeysSettings, ServiceSettings } from "../sqlite/verify";

export type { FactorConfig, PasskeysSettings, ServiceSettings } from "../sqlite/verify";

/**
 * drizzle-orm 0.45's pg-core has no `bytea` column. postgres.js reads and writes bytea as a
 * Buffer already; other drivers (PGlite) hand back a Uint8Array, made a Buffer here so callers
 * see what SQLite's `blob({ mode: "buffer" })` gives them.
 */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

const timestamps = {
  dateCreated: bigint("date_created", { mode: "number" }).notNull(),
  dateUpdated: bigint("date_updated", { mode: "number" }).notNull(),
};

export const accounts = pgTable("verify_accounts", {
  sid: text("sid").primaryKey(),
  authTokenHash: text("auth_token_hash").notNull(),
  dateCreated: bigint("date_created", { mode: "number" }).notNull(),
});

export const apiKeys = pgTable("verify_api_keys", {
  sid: text("sid").primaryKey(),
  accountSid: text("account_sid")
    .notNull()
    .references(() => accounts.sid, { onDelete: "cascade" }),
  secretHash: text("secret_hash").notNull(),
  dateCreated: bigint("date_created", { mode: "number" }).notNull(),
});

export const services = pgTable(
  "verify_services",
  {
    sid: text("sid").primaryKey(),
    accountSid: text("account_sid")
      .notNull()
      .references(() => accounts.sid, { onDelete: "cascade" }),
    friendlyName: text("friendly_name").notNull(),
    settings: json("settings").$type<ServiceSettings>().notNull(),
    passkeys: json("passkeys").$type<PasskeysSettings>().notNull(),
    ...timestamps,
  },
  (t) => [index("verify_services_account").on(t.accountSid, t.dateCreated, t.sid)],
);

export const entities = pgTable(
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

export const factors = pgTable(
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
    config: json("config").$type<FactorConfig>().notNull(),
    challenge: text("challenge").notNull(),
    registrationExpiresAt: bigint("registration_expires_at", { mode: "number" }).notNull(),
    algorithms: json("algorithms").$type<number[]>().notNull(),
    credentialId: text("credential_id"),
    publicKey: bytea("public_key"),
    /** The WebAuthn signature counter is an unsigned 32-bit value: more than int4 holds. */
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: json("transports").$type<string[]>(),
    aaguid: text("aaguid"),
    backupEligible: boolean("backup_eligible"),
    backedUp: boolean("backed_up"),
    dateLastApproved: bigint("date_last_approved", { mode: "number" }),
    ...timestamps,
  },
  (t) => [
    // Written as in SQLite (an unqualified column name): both engines get the same predicate.
    uniqueIndex("verify_factors_credential")
      .on(t.serviceSid, t.credentialId)
      .where(sql`credential_id IS NOT NULL`),
    uniqueIndex("verify_factors_challenge").on(t.serviceSid, t.challenge),
    index("verify_factors_page").on(t.entitySid, t.dateCreated, t.sid),
  ],
);

export const challenges = pgTable(
  "verify_challenges",
  {
    sid: text("sid").primaryKey(),
    serviceSid: text("service_sid")
      .notNull()
      .references(() => services.sid, { onDelete: "cascade" }),
    accountSid: text("account_sid").notNull(),
    entitySid: text("entity_sid").references(() => entities.sid, { onDelete: "cascade" }),
    /** Deliberately no foreign key, as in SQLite (see there). */
    factorSid: text("factor_sid"),
    challenge: text("challenge").notNull(),
    rpId: text("rp_id").notNull(),
    origins: json("origins").$type<string[]>().notNull(),
    userVerification: text("user_verification", {
      enum: ["required", "preferred", "discouraged"],
    }).notNull(),
    allowCredentials: json("allow_credentials").$type<PublicKeyCredentialDescriptorJSON[]>().notNull(),
    status: text("status", { enum: ["pending", "expired", "approved", "denied"] }).notNull(),
    dateResponded: bigint("date_responded", { mode: "number" }),
    expirationDate: bigint("expiration_date", { mode: "number" }).notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("verify_challenges_challenge").on(t.serviceSid, t.challenge),
    index("verify_challenges_entity").on(t.entitySid, t.dateCreated, t.sid),
  ],
);

/** Rate-limit windows of /v2 (db/schema/sqlite/verify.ts). */
export const verifyRateLimits = pgTable(
  "verify_rate_limits",
  {
    key: text("key").primaryKey(),
    windowStart: bigint("window_start", { mode: "number" }).notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (t) => [index("verify_rate_limits_window").on(t.windowStart)],
);

export type AccountRow = typeof accounts.$inferSelect;
export type ServiceRow = typeof services.$inferSelect;
export type EntityRow = typeof entities.$inferSelect;
export type FactorRow = typeof factors.$inferSelect;
export type ChallengeRow = typeof challenges.$inferSelect;
