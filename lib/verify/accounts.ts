/**
 * Accounts and API keys of the embedded Verify backend, and HTTP Basic authentication
 * against them (docs/api.md §2).
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { eq, ne, sql } from "drizzle-orm";
import { accounts, apiKeys, challenges, entities, factors, services } from "@/db/schema/verify";
import { type Db, db, prepared, transaction } from "@/lib/db";
import { config } from "@/lib/env";
import { fail } from "./errors";
import { type AccountSid, isSid } from "./sid";

export const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

function sameHash(storedHex: string, secret: string): boolean {
  const expected = Buffer.from(storedHex, "hex");
  const actual = Buffer.from(hashSecret(secret), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

type AccountCredentials = {
  accountSid: string;
  authToken: string;
  apiKeySid?: string;
  apiKeySecret?: string;
};

async function upsertAccount(tx: Db, account: AccountCredentials, now: number): Promise<void> {
  await tx
    .insert(accounts)
    .values({ sid: account.accountSid, authTokenHash: hashSecret(account.authToken), dateCreated: now })
    .onConflictDoUpdate({ target: accounts.sid, set: { authTokenHash: hashSecret(account.authToken) } });
  if (account.apiKeySid && account.apiKeySecret) {
    await tx
      .insert(apiKeys)
      .values({
        sid: account.apiKeySid,
        accountSid: account.accountSid,
        secretHash: hashSecret(account.apiKeySecret),
        dateCreated: now,
      })
      .onConflictDoUpdate({
        target: apiKeys.sid,
        set: { accountSid: account.accountSid, secretHash: hashSecret(account.apiKeySecret) },
      });
  }
}

/**
 * Creates or updates an account and its API key so the stored hashes match the given
 * secrets. Idempotent, and adds only: tests use it for a second account.
 */
export async function provisionAccount(account: AccountCredentials): Promise<void> {
  await transaction((tx) => upsertAccount(tx, account, Date.now()));
}

/** Tables whose rows belong to an account (by a copy of its SID, shown as `account_sid`). */
const OWNED = [services, entities, factors, challenges] as const;

/**
 * Start-up: makes the configured account, with its configured API key if any, the only
 * credentials the /v2 API accepts, whatever earlier starts provisioned.
 *
 * The embedded backend serves one account, the installation's; VERIFY_ACCOUNT_SID only
 * names it. A changed SID therefore renames that account rather than starting an empty
 * one: the Services of any other account (their Entities, Factors and Challenges with
 * them) move to the configured SID, and the other account rows go, so the old SID and
 * token stop authenticating. OwlBank then finds its Service under the new SID and its
 * customers keep their passkeys. Every API key but the configured one is deleted, so the
 * restart that rotates a key revokes the old one. Accounts are only ever made by this
 * provisioning (there is no API to create one), so another account here can only be an
 * earlier configuration of this installation.
 */
export async function provisionOnlyConfiguredAccount(account: AccountCredentials = config().verifyAccount): Promise<{
  renamedAccounts: number;
  revokedApiKeys: number;
}> {
  const sid = account.accountSid;
  return await transaction(async (tx) => {
    await upsertAccount(tx, account, Date.now());
    const others = await tx.select({ sid: accounts.sid }).from(accounts).where(ne(accounts.sid, sid));
    // Each start would otherwise scan these tables for rows that, in the usual case, are none.
    if (others.length > 0) {
      for (const table of OWNED) await tx.update(table).set({ accountSid: sid }).where(ne(table.accountSid, sid));
    }
    // With no key configured the account has none: every key goes ("" is no key's SID).
    const revoked = await tx.delete(apiKeys).where(ne(apiKeys.sid, account.apiKeySid ?? "")).returning({ sid: apiKeys.sid });
    await tx.delete(accounts).where(ne(accounts.sid, sid));
    return { renamedAccounts: others.length, revokedApiKeys: revoked.length };
  });
}

/**
 * The database for which the configured account is known to exist. An in-process note that
 * cannot change an answer: start-up provisions the account on every instance, and a stale
 * note only skips an idempotent upsert.
 */
let provisioned: Db | undefined;

/** Makes sure the configured embedded account exists; cheap after the first call. */
export async function ensureEmbeddedAccount(): Promise<void> {
  const current = db();
  if (provisioned === current) return;
  await provisionAccount(config().verifyAccount);
  provisioned = current;
}

/** Every /v2 request authenticates: these lookups run once per request. */
const statements = prepared((d) => ({
  account: d.select().from(accounts).where(eq(accounts.sid, sql.placeholder("sid"))).prepare(),
  apiKey: d.select().from(apiKeys).where(eq(apiKeys.sid, sql.placeholder("sid"))).prepare(),
}));

function authError(): never {
  return fail("authentication_failed", "Authenticate");
}

/**
 * Resolves `Authorization: Basic …` to the account it authenticates: an Account SID with
 * its auth token, or an API key SID with its secret (the key's owner is the account).
 */
export async function authenticate(header: string | null): Promise<AccountSid> {
  await ensureEmbeddedAccount();
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match) authError();
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) authError();
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);

  if (isSid("AC", username)) {
    const [row] = await statements().account.execute({ sid: username });
    if (row && sameHash(row.authTokenHash, password)) return row.sid as AccountSid;
  } else if (isSid("SK", username)) {
    const [row] = await statements().apiKey.execute({ sid: username });
    if (row && sameHash(row.secretHash, password)) return row.accountSid as AccountSid;
  }
  return authError();
}
