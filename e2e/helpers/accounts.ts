/**
 * A second Verify account, for tenancy specs. The HTTP API has no way to create accounts (the
 * embedded backend serves one configured account), so this fixture writes the row straight
 * into the e2e database (either engine), the way the server provisions its own account on start.
 */
import { createHash, randomBytes } from "node:crypto";
import { E2E_TARGET, query } from "./database";

export type Account = { accountSid: string; authToken: string };

/**
 * Must hash like `hashSecret` in lib/verify/accounts.ts (SHA-256, hex). That module imports
 * `server-only`, which refuses to load outside Next, so the one line is repeated here.
 */
const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

/** Inserts a fresh account; call `remove()` afterwards (its Services go with it, ON DELETE CASCADE). */
export async function createAccount(): Promise<Account & { remove: () => Promise<void> }> {
  const account = { accountSid: `AC${randomBytes(16).toString("hex")}`, authToken: randomBytes(16).toString("hex") };
  await query(
    E2E_TARGET,
    "INSERT INTO verify_accounts (sid, auth_token_hash, date_created) VALUES (?, ?, ?)",
    account.accountSid,
    hashSecret(account.authToken),
    Date.now(),
  );
  return {
    ...account,
    remove: async () => {
      await query(E2E_TARGET, "DELETE FROM verify_accounts WHERE sid = ?", account.accountSid);
    },
  };
}
