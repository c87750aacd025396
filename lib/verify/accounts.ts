/**
 * Accounts and API keys of the embedded Verify backend, and HTTP Basic authentication
 * against them (docs/api.md §2).
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { eq, ne, sql } from "drizzle-orm";
import { accounts, apiKeys, challenges, entities, factors, services } from "@/db/schema/verify";
import { db, prepared } from "@/lib/db";
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

type Tx = Parameters<Parameters<ReturnType<typeof db>["transaction"]>[0]>[0];

function upsertAccount(tx: Tx, account: AccountCredentials, now: number): void {
  tx.insert(accounts)
    .values({ sid: account.accountSid, authTokenHash: hashSecret(account.authToken), dateCreated: now })
    .onConflictDoUpdate({ target: accounts.sid, set: { authTokenHash: hashSecret(account.authToken) } })
    .run();
  if (account.apiKeySid && account.apiKeySecret) {
    tx.insert(apiKeys)
      .values({
        sid: account.apiKeySid,
        accountSid: account.accountSid,
        secretHash: hashSecret(account.apiKeySecret),
        dateCreated: now,
      })
      .onConflictDoUpdate({
        target: apiKeys.sid,
        set: { accountSid: account.accountSid, secretHash: hashSecret(account.apiKeySecret) },
      })
      .run();
  }
}

/**
 * Creates or updates an account and its API key so the stored hashes match the given
 * secrets. Idempotent, and adds only: tests use it for a second account.
 */
export function provisionAccount(account: AccountCredentials): void {
  db().transaction((tx) => upsertAccount(tx, account, Date.now()));
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
export function provisionOnlyConfiguredAccount(account: AccountCredentials = config().verifyAccount): {
  renamedAccounts: number;
  revokedApiKeys: number;
} {
  const sid = account.accountSid;
  return db().transaction((tx) => {
    upsertAccount(tx, account, Date.now());
    const others = tx.select({ sid: accounts.sid }).from(accounts).where(ne(accounts.sid, sid)).all();
    // Each start would otherwise scan these tables for rows that, in the usual case, are none.
    if (others.length > 0) {
      for (const table of OWNED) tx.update(table).set({ accountSid: sid }).where(ne(table.accountSid, sid)).run();
    }
    // With no key configured the account has none: every key goes ("" is no key's SID).
    const revokedApiKeys = tx.delete(apiKeys).where(ne(apiKeys.sid, account.apiKeySid ?? "")).run().changes;
    tx.delete(accounts).where(ne(accounts.sid, sid)).run();
    return { renamedAccounts: others.length, revokedApiKeys };
  });
}

let provisioned: string | undefined;

/** Makes sure the configured embedded account exists; cheap after the first call. */
export function ensureEmbeddedAccount(): void {
  const { verifyAccount, databaseFile } = config();
  if (provisioned === databaseFile) return;
  provisionAccount(verifyAccount);
  provisioned = databaseFile;
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
export function authenticate(header: string | null): AccountSid {
  ensureEmbeddedAccount();
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match) authError();
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) authError();
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);

  if (isSid("AC", username)) {
    const row = statements().account.get({ sid: username });
    if (row && sameHash(row.authTokenHash, password)) return row.sid as AccountSid;
  } else if (isSid("SK", username)) {
    const row = statements().apiKey.get({ sid: username });
    if (row && sameHash(row.secretHash, password)) return row.accountSid as AccountSid;
  }
  return authError();
}
