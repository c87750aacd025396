/**
 * The peer's whole server side: Better Auth with email + password and its passkey plugin, on
 * one SQLite file, configured as its documentation shows. Only the rate limits differ from
 * the defaults (see `rateLimit`), for the reason the project's own bench raises OwlBank's.
 */
import { passkey } from "@better-auth/passkey";
import { betterAuth, type BetterAuthOptions } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";

/**
 * `next build` loads this module to collect the route's configuration and serves nothing,
 * so it runs without the server's settings; `next start` must be given all of them.
 */
const building = process.env.NEXT_PHASE === "phase-production-build";

function setting(name: string, whileBuilding: string): string {
  const value = process.env[name];
  if (value) return value;
  if (building) return whileBuilding;
  throw new Error(`${name} is not set`);
}

const baseURL = setting("BETTER_AUTH_URL", "http://localhost:3000");

const sqlite = new Database(setting("PEER_DATABASE", ":memory:"));
// The durability OwlBank runs with (db/client.ts): WAL, and no fsync on every commit. Left
// at SQLite's defaults (rollback journal, synchronous=FULL) every sign-in would wait for a
// disk flush, and the comparison would measure the journal, not the two servers.
sqlite.pragma("journal_mode = WAL");
sqlite.pragma("synchronous = NORMAL");

const options = {
  database: sqlite,
  baseURL,
  secret: setting("BETTER_AUTH_SECRET", "build-time-placeholder-never-served-0123456789"),
  emailAndPassword: { enabled: true },
  plugins: [
    passkey({
      // An RP ID must be a domain: WebAuthn refuses an IP address such as 127.0.0.1.
      rpID: "localhost",
      rpName: "Peer",
      // Without it the plugin would expect whatever Origin header the request carries.
      origin: new URL(baseURL).origin,
    }),
  ],
  trustedOrigins: [new URL(baseURL).origin],
  // On in production by default, in memory, keyed by client address and path: 100 requests
  // per 10 s on any path, and 3 per 10 s on /sign-up/* and /sign-in/*. Every bench request
  // comes from one address, so those limits would measure the limiter. It stays on, in its
  // default storage, so each request still pays for its check; the limits are just never reached.
  rateLimit: {
    enabled: true,
    window: 10,
    max: 100_000_000,
    customRules: {
      "/sign-up/*": { window: 10, max: 100_000_000 },
      "/sign-in/*": { window: 10, max: 100_000_000 },
    },
  },
} satisfies BetterAuthOptions;

// Creates (or completes) the tables with Better Auth's own migrator, as `npx auth migrate`
// would, when the first /api/auth request loads this module and before it is answered: no
// tool to fetch, no step to forget. Done before `betterAuth()`, which checks the schema as it
// starts and would log a mismatch.
await (await getMigrations(options)).runMigrations();

export const auth = betterAuth(options);
