import { peerAddressLoaded } from "@/lib/client-address";
import { type Config, config } from "@/lib/env";
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { installation } from "@/db/schema/owlbank";
import { databaseReady, db } from "@/lib/db";
import { provisionOnlyConfiguredAccount } from "@/lib/verify/accounts";

/**
 * Settings a production server cannot work with, each as one message naming the settings to
 * choose; empty when it can start. Outside production anything goes: `next dev` shows codes.
 */
export function startUpProblems(c: Config): string[] {
  if (!c.isProduction) return [];
  const problems: string[] = [];
  const { owlbank, app } = c;
  if (owlbank.devOutboxRequested && !app.isLocal) {
    // /dev/outbox shows every customer's code: on a public address anyone could sign up as
    // anyone's number or take over an account through recovery.
    problems.push(
      `OWLBANK_DEV_OUTBOX=1 shows every one-time code at /dev/outbox, so it is only allowed when APP_URL is a localhost URL (it is ${app.url}). ` +
        "Unset it and send codes by SMS: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.",
    );
  } else if (owlbank.codeDelivery === "outbox" && !owlbank.devOutbox) {
    // Sign-up and recovery need a code the customer can read; without a provider or the
    // local outbox page, a sign-up could start but never finish.
    problems.push(
      "No SMS provider is configured, so one-time codes (sign-up, recovery) could never be read. Choose one:\n" +
        "  - send them by SMS through Twilio Verify: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN;\n" +
        (app.isLocal
          ? `  - on this machine only, read them at ${app.url}/dev/outbox: set OWLBANK_DEV_OUTBOX=1.`
          : `  - only for a localhost APP_URL (not ${app.url}): OWLBANK_DEV_OUTBOX=1, to read them at /dev/outbox.`),
    );
  }
  return problems;
}

/** Thrown by startUp when the configuration cannot work; instrumentation.ts prints it and exits. */
export class StartUpError extends Error {
  override name = "StartUpError";
}

/** Where the database is, for messages: never the password in a PostgreSQL URL. */
function describeDatabase(c: Config): string {
  if (c.database.engine === "sqlite") return `SQLite file ${c.database.file}`;
  const url = new URL(c.database.url);
  return `PostgreSQL database ${url.pathname.slice(1)} on ${url.host}`;
}

const fingerprint = (...parts: (string | undefined)[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex");

/**
 * Instances on one database must run with the same secrets. One that generated its own
 * (another host, another data folder) would sign sessions nobody else accepts and, worse,
 * retire the others' Verify account at start (provisionOnlyConfiguredAccount). So the first
 * instance records a fingerprint of each secret it took from its data folder, and a later
 * one whose folder holds different secrets is refused. Secrets set in the environment are
 * the operator's decision: they replace the recorded fingerprint (a rotation).
 */
async function checkSameSecrets(c: Config): Promise<void> {
  const { account, apiKey, authSecret } = c.secretsFromFile;
  const secrets = [
    { key: "auth-secret", fromFile: authSecret, value: fingerprint(c.authSecret), names: "NEXTAUTH_SECRET" },
    { key: "verify-account", fromFile: account, value: fingerprint(c.verifyAccount.accountSid, c.verifyAccount.authToken), names: "VERIFY_ACCOUNT_SID and VERIFY_AUTH_TOKEN" },
    { key: "verify-api-key", fromFile: apiKey, value: fingerprint(c.verifyAccount.apiKeySid, c.verifyAccount.apiKeySecret), names: "VERIFY_API_KEY_SID and VERIFY_API_KEY_SECRET" },
  ];
  const differing: string[] = [];
  for (const { key, fromFile, value, names } of secrets) {
    if (!fromFile) {
      await db().insert(installation).values({ key, value }).onConflictDoUpdate({ target: installation.key, set: { value } });
      continue;
    }
    const [inserted] = await db().insert(installation).values({ key, value }).onConflictDoNothing().returning();
    if (inserted) continue;
    const [recorded] = await db().select().from(installation).where(eq(installation.key, key));
    if (recorded?.value !== value) differing.push(names);
  }
  if (differing.length) {
    throw new StartUpError(
      `OwlBank cannot start: the ${describeDatabase(c)} was set up by an instance with other secrets than this one's secrets.json (${c.secretsFile}): ${differing.join("; ")}. ` +
        "Every instance on one database needs the same secrets: set them in the environment of every instance, or give every instance the same OWLBANK_DATA_DIR (docs/deploy.md#several-instances).",
    );
  }
}

/**
 * Checks the configuration, opens (and so migrates) the database with owner-only file
 * modes, and makes the configured Verify credentials the only ones, at server start.
 */
export async function startUp(): Promise<void> {
  let c: Config;
  try {
    c = config();
  } catch (error) {
    // An invalid variable, or a data folder this process cannot write: the message says which.
    throw new StartUpError((error as Error).message, { cause: error });
  }
  const problems = startUpProblems(c);
  if (problems.length) throw new StartUpError(`OwlBank cannot start:\n${problems.map((p) => `- ${p}`).join("\n")}`);
  if (!peerAddressLoaded()) {
    // Without it no request's real address is known, and rate limits would count whatever a
    // client wrote in X-Forwarded-For.
    throw new StartUpError(
      "OwlBank cannot start: server/peer-address.mjs was not loaded. Start the server with `npm start` (or `npm run dev`), " +
        "or load it yourself: node --import ./server/peer-address.mjs node_modules/next/dist/bin/next start (docs/deploy.md).",
    );
  }
  try {
    await databaseReady();
  } catch (error) {
    // Unreachable, refused credentials, or a migration that failed (and was rolled back whole).
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new StartUpError(
      `OwlBank cannot start: the ${describeDatabase(c)} could not be opened and migrated: ${(error as Error).message}${cause ? ` (${cause})` : ""}`,
      { cause: error },
    );
  }
  console.info(`[db] ${describeDatabase(c)}: migrations applied.`);
  if (c.isProduction && c.owlbank.codeDelivery === "outbox") {
    console.info(`[outbox] No SMS provider is configured: one-time codes are shown at ${c.app.url}/dev/outbox (OWLBANK_DEV_OUTBOX=1).`);
  }
  await checkSameSecrets(c);
  const { renamedAccounts, revokedApiKeys } = await provisionOnlyConfiguredAccount(c.verifyAccount);
  if (renamedAccounts || revokedApiKeys) {
    // Says what changed, never which credential: the log may be read by more people than the secrets.
    console.info(
      `[verify] Only the configured credentials are accepted now: ${renamedAccounts} earlier account SID(s) retired (their data moved to the configured account), ${revokedApiKeys} API key(s) revoked.`,
    );
  }
  const { account, apiKey } = c.generatedNow;
  if (account || apiKey) {
    // Printed once, on the start that generated them; afterwards they live in data/secrets.json.
    console.log(
      [
        "",
        "Verify API credentials were generated for this installation (kept in data/secrets.json):",
        ...(account ? [`  VERIFY_ACCOUNT_SID=${c.verifyAccount.accountSid}`, `  VERIFY_AUTH_TOKEN=${c.verifyAccount.authToken}`] : []),
        ...(apiKey ? [`  API key: ${c.verifyAccount.apiKeySid} / ${c.verifyAccount.apiKeySecret}`] : []),
        "",
      ].join("\n"),
    );
  }
}
