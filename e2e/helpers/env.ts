/**
 * The fixed environment of the end-to-end run. playwright.config.ts hands these values to
 * the production server it starts, and specs import them to authenticate, so both sides
 * agree without reading `data/secrets.json`. They are test-only values: never deploy them.
 */

/** `PORT` moves the whole run (server, baseURL, APP_URL) when 3210 is taken. */
export const E2E_PORT = Number(process.env.PORT || 3210);

/**
 * `localhost`, not 127.0.0.1: WebAuthn refuses an IP address as relying party id, and
 * OwlBank's relying party id is the host of APP_URL.
 */
export const BASE_URL = `http://localhost:${E2E_PORT}`;

/** A throwaway SQLite database, wiped before the server starts (scripts/e2e-reset.mjs). Relative to the repo root. */
export const E2E_DATABASE_FILE = "data/test/e2e.db";

/**
 * The database of the run: the SQLite file above, or the PostgreSQL database scripts/test.mjs
 * created for the PostgreSQL pass (OWLBANK_E2E_DATABASE_URL), recreated empty before the server starts.
 */
export const E2E_DATABASE_URL = process.env.OWLBANK_E2E_DATABASE_URL || `file:./${E2E_DATABASE_FILE}`;

/** "SQLite" or "PostgreSQL": the engine this run's server uses, for titles and messages. */
export const E2E_ENGINE_NAME = E2E_DATABASE_URL.startsWith("postgres") ? "PostgreSQL" : "SQLite";

/** The embedded Verify account the /v2 API accepts during the run. */
export const VERIFY_ACCOUNT_SID = "ACe2e00000000000000000000000000001";
export const VERIFY_AUTH_TOKEN = "e2e0000000000000000000000000a0a0";

/** The account's API key (`SK…`), accepted by the API in place of the account SID. */
export const VERIFY_API_KEY_SID = "SKe2e00000000000000000000000000001";
export const VERIFY_API_KEY_SECRET = "e2e-api-key-secret-0000000000000";

/** Environment of the server under test, on top of the runner's own. */
export const serverEnv: Record<string, string> = {
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  PORT: String(E2E_PORT),
  DATABASE_URL: E2E_DATABASE_URL,
  // The run's secrets stay with its throwaway database, never in the checkout's data/.
  OWLBANK_DATA_DIR: "data/test",
  VERIFY_ACCOUNT_SID,
  VERIFY_AUTH_TOKEN,
  VERIFY_API_KEY_SID,
  VERIFY_API_KEY_SECRET,
  APP_URL: BASE_URL,
  NEXTAUTH_URL: BASE_URL,
  NEXTAUTH_SECRET: "e2e-nextauth-secret-0000000000000000000000",
  // The specs read one-time codes from the local outbox; a production server keeps them
  // only when asked, and only on localhost.
  OWLBANK_DEV_OUTBOX: "1",
  // The Verify console (/dev/verify) is off in production unless asked for; its spec needs it.
  OWLBANK_DEV_CONSOLE: "1",
  // The browser connects from loopback and plays the reverse proxy: each test's X-Forwarded-For
  // (fixtures.ts) is believed, so every test is a client of its own and meets only its own limits.
  TRUSTED_PROXIES: "127.0.0.1,::1",
};
