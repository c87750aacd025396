/**
 * A second Verify account, for tenancy specs. The HTTP API has no way to create accounts (the
 * embedded backend serves one configured account), so this fixture writes the row straight
 * into the e2e database, the way the server provisions its own account on start.
 */
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { eq } from "drizzle-orm";
import { openDb } from "../../db/client";
import { accounts } from "../../db/schema/verify";
import { E2E_DATABASE_FILE } from "./env";

export type Account = { accountSid: string; authToken: string };

/**
 * Must hash like `hashSecret` in lib/verify/accounts.ts (SHA-256, hex). That module imports
 * `server-only`, which refuses to load outside Next, so the one line is repeated here.
 */
const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

/** Inserts a fresh account; call `remove()` afterwards (its Services go with it). */
export function createAccount(): Account & { remove: () => void } {
  const db = openDb(path.resolve(E2E_DATABASE_FILE));
  const account = { accountSid: `AC${randomBytes(16).toString("hex")}`, authToken: randomBytes(16).toString("hex") };
  db.insert(accounts)
    .values({ sid: account.accountSid, authTokenHash: hashSecret(account.authToken), dateCreated: Date.now() })
    .run();
  return {
    ...account,
    remove: () => {
      db.delete(accounts).where(eq(accounts.sid, account.accountSid)).run();
      db.$client.close();
    },
  };
}
