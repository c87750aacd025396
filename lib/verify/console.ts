/**
 * Reads for the developer console (/dev/verify): one account's Services, and under each its
 * entities, their factors and challenges. Read-only, and scoped like the API: every read
 * starts from a Service found by the authenticated account, and the functions below it take
 * that row (or an entity found through it), never a bare SID, so a page cannot reach
 * another account's data by editing a URL.
 *
 * The pages get views, not rows: a factor's public key only as a short fingerprint, and no
 * challenge values (what a passkey signs) at all.
 */
import "server-only";
import { createHash } from "node:crypto";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import type { ChallengeRow, EntityRow, FactorRow, ServiceRow } from "@/db/schema/verify";
import { config } from "@/lib/env";
import * as challengeRepo from "./challenges/repository";
import * as entityRepo from "./entities/repository";
import { VerifyError } from "./errors";
import * as factorRepo from "./factors/repository";
import { authenticateCounted } from "./http";
import { keyset, type Order, pageToken, parsePageToken } from "./paging";
import * as serviceRepo from "./services/repository";
import type { AccountSid } from "./sid";

/** Rows per console page: enough to scan, few enough that a busy Service stays quick. */
export const CONSOLE_PAGE_SIZE = 25;

/**
 * The account whose credentials came with this request, or 404. proxy.ts answers a missing
 * or wrong credential with the 401 that makes a browser ask for one; this repeats the check
 * next to the data because the proxy does not see every request (its matcher skips
 * prefetches) and a page must not trust that something ran before it. Failures count
 * against the same limit as /v2's.
 */
export const consoleAccount = cache(async (): Promise<AccountSid> => {
  if (!config().owlbank.devConsole) notFound();
  try {
    return await authenticateCounted(await headers());
  } catch (error) {
    if (error instanceof VerifyError) notFound();
    throw error;
  }
});

export type ConsolePage<T> = {
  rows: T[];
  /** Token for the page after this one, when there is one. */
  next?: string;
};

type Keyed = { sid: string; dateCreated: number };
type Columns = Parameters<typeof keyset>[0];

/**
 * One page, newest first (as Twilio's console lists), after `token`. A malformed token
 * reads the first page: it can only come from an edited URL.
 */
async function readPage<R extends Keyed, V>(
  token: string | undefined,
  columns: Columns,
  read: (cursor: ReturnType<typeof keyset> | undefined, order: Order, limit: number) => Promise<R[]>,
  view: (row: R) => V,
): Promise<ConsolePage<V>> {
  const cursor = token ? parsePageToken(token) : undefined;
  const order: Order = "desc";
  const rows = await read(cursor?.direction === "after" ? keyset(columns, cursor, order) : undefined, order, CONSOLE_PAGE_SIZE + 1);
  const page = rows.slice(0, CONSOLE_PAGE_SIZE);
  const last = page.at(-1);
  return { rows: page.map(view), next: rows.length > CONSOLE_PAGE_SIZE && last ? pageToken("PA", last) : undefined };
}

// ---------------------------------------------------------------------------------------------
// Services

export type ServiceView = Pick<ServiceRow, "sid" | "accountSid" | "friendlyName" | "passkeys" | "dateCreated" | "dateUpdated">;

const serviceView = (row: ServiceRow): ServiceView => ({
  sid: row.sid,
  accountSid: row.accountSid,
  friendlyName: row.friendlyName,
  passkeys: row.passkeys,
  dateCreated: row.dateCreated,
  dateUpdated: row.dateUpdated,
});

export function consoleServices(account: AccountSid, token?: string): Promise<ConsolePage<ServiceView>> {
  return readPage(
    token,
    serviceRepo.servicesTable,
    (cursor, order, limit) => serviceRepo.listServices(account, cursor, order, limit),
    serviceView,
  );
}

export async function consoleService(account: AccountSid, serviceSid: string): Promise<ServiceView | undefined> {
  const row = await serviceRepo.findService(account, serviceSid);
  return row && serviceView(row);
}

// ---------------------------------------------------------------------------------------------
// Entities

export type EntityView = Pick<EntityRow, "sid" | "serviceSid" | "accountSid" | "identity" | "dateCreated" | "dateUpdated">;

const entityView = (row: EntityRow): EntityView => ({
  sid: row.sid,
  serviceSid: row.serviceSid,
  accountSid: row.accountSid,
  identity: row.identity,
  dateCreated: row.dateCreated,
  dateUpdated: row.dateUpdated,
});

export function consoleEntities(service: ServiceView, token?: string): Promise<ConsolePage<EntityView>> {
  return readPage(
    token,
    entityRepo.entitiesTable,
    (cursor, order, limit) => entityRepo.listEntities(service.sid, cursor, order, limit),
    entityView,
  );
}

export async function consoleEntity(service: ServiceView, identity: string): Promise<EntityView | undefined> {
  const row = await entityRepo.findEntity(service.sid, identity);
  return row && entityView(row);
}

/** The Service and entity a console URL names, both reached through the account. */
export async function consoleServiceEntity(
  account: AccountSid,
  serviceSid: string,
  identity: string,
): Promise<{ service: ServiceView; entity: EntityView } | undefined> {
  const service = await consoleService(account, serviceSid);
  if (!service) return undefined;
  const entity = await consoleEntity(service, identity);
  return entity && { service, entity };
}

// ---------------------------------------------------------------------------------------------
// Factors

export type FactorView = Pick<
  FactorRow,
  | "sid"
  | "serviceSid"
  | "accountSid"
  | "entitySid"
  | "friendlyName"
  | "status"
  | "factorType"
  | "config"
  | "counter"
  | "transports"
  | "aaguid"
  | "backupEligible"
  | "backedUp"
  | "dateLastApproved"
  | "dateCreated"
  | "dateUpdated"
> & {
  /** The credential ID, shortened: enough to tell passkeys apart. */
  credentialIdPrefix: string | null;
  /** SHA-256 of the COSE public key, first 8 bytes: tells keys apart without showing one. */
  publicKeyFingerprint: string | null;
};

const FINGERPRINT_BYTES = 8;

export function fingerprint(bytes: Uint8Array): string {
  const digest = createHash("sha256").update(bytes).digest().subarray(0, FINGERPRINT_BYTES);
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(":");
}

const factorView = (row: FactorRow): FactorView => ({
  sid: row.sid,
  serviceSid: row.serviceSid,
  accountSid: row.accountSid,
  entitySid: row.entitySid,
  friendlyName: row.friendlyName,
  status: row.status,
  factorType: row.factorType,
  config: row.config,
  counter: row.counter,
  transports: row.transports,
  aaguid: row.aaguid,
  backupEligible: row.backupEligible,
  backedUp: row.backedUp,
  dateLastApproved: row.dateLastApproved,
  dateCreated: row.dateCreated,
  dateUpdated: row.dateUpdated,
  credentialIdPrefix: row.credentialId && (row.credentialId.length > 16 ? `${row.credentialId.slice(0, 16)}…` : row.credentialId),
  publicKeyFingerprint: row.publicKey && fingerprint(row.publicKey),
});

export function consoleFactors(entity: EntityView, token?: string): Promise<ConsolePage<FactorView>> {
  return readPage(
    token,
    factorRepo.factorsTable,
    (cursor, order, limit) => factorRepo.listFactors(entity.serviceSid, entity.sid, cursor, order, limit),
    factorView,
  );
}

export async function consoleFactor(entity: EntityView, factorSid: string): Promise<FactorView | undefined> {
  const row = await factorRepo.findEntityFactor(entity.serviceSid, entity.sid, factorSid);
  return row && factorView(row);
}

// ---------------------------------------------------------------------------------------------
// Challenges

export type ChallengeView = Pick<
  ChallengeRow,
  | "sid"
  | "serviceSid"
  | "accountSid"
  | "entitySid"
  | "factorSid"
  | "status"
  | "rpId"
  | "origins"
  | "userVerification"
  | "dateResponded"
  | "expirationDate"
  | "dateCreated"
  | "dateUpdated"
> & {
  /** How many passkeys the challenge was limited to (0: any of the entity's, or discoverable). */
  allowedCredentials: number;
};

/**
 * The API expires pending challenges lazily, when it reads them (spec 7.4). The console
 * must not write, so it shows the status the API would report instead of the stored one.
 */
const challengeView = (row: ChallengeRow, now: number): ChallengeView => ({
  sid: row.sid,
  serviceSid: row.serviceSid,
  accountSid: row.accountSid,
  entitySid: row.entitySid,
  factorSid: row.factorSid,
  status: row.status === "pending" && row.expirationDate <= now ? "expired" : row.status,
  rpId: row.rpId,
  origins: row.origins,
  userVerification: row.userVerification,
  dateResponded: row.dateResponded,
  expirationDate: row.expirationDate,
  dateCreated: row.dateCreated,
  dateUpdated: row.dateUpdated,
  allowedCredentials: row.allowCredentials.length,
});

export function consoleChallenges(entity: EntityView, token?: string, now = Date.now()): Promise<ConsolePage<ChallengeView>> {
  return readPage(
    token,
    challengeRepo.challengesTable,
    (cursor, order, limit) => challengeRepo.listEntityChallenges(entity.serviceSid, entity.sid, {}, cursor, order, limit),
    (row) => challengeView(row, now),
  );
}

export async function consoleChallenge(entity: EntityView, challengeSid: string, now = Date.now()): Promise<ChallengeView | undefined> {
  const row = await challengeRepo.findEntityChallenge(entity.serviceSid, entity.sid, challengeSid);
  return row && challengeView(row, now);
}
