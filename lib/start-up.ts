import { config } from "@/lib/env";
import { ensureEmbeddedAccount } from "@/lib/verify/accounts";

/** Migrates the database and provisions the embedded Verify account at server start. */
export function startUp(): void {
  const c = config();
  ensureEmbeddedAccount();
  if (c.printGeneratedCredentials) {
    // Printed once, on the start that generated them; afterwards they live in data/secrets.json.
    console.log(
      [
        "",
        "Verify API credentials were generated for this installation (kept in data/secrets.json):",
        `  VERIFY_ACCOUNT_SID=${c.verifyAccount.accountSid}`,
        `  VERIFY_AUTH_TOKEN=${c.verifyAccount.authToken}`,
        `  API key: ${c.verifyAccount.apiKeySid} / ${c.verifyAccount.apiKeySecret}`,
        "",
      ].join("\n"),
    );
  }
}
