/**
 * Accounts and API keys of the embedded Verify backend, and HTTP Basic authentication
 * against them (docs/api.md §2).
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { accounts, apiKeys } from "@/db/schema/verify";
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

/**
 * Creates or updates an account and its API key so the stored hashes match the given
 * secrets. Idempotent: run for the configured account on every start.
 */
export function provisionAccount(account: {
  accountSid: string;
  authToken: string;
  apiKeySid?: string;
  apiKeySecret?: string;
}): void {
  const now = Date.now();
  const d = db();
  d.transaction((tx) => {
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
