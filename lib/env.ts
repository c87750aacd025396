/**
 * The one place configuration is read and validated. Everything is optional: on first
 * start the secrets that are missing are generated and kept in `data/secrets.json`
 * (git-ignored), so `npm run dev` works with zero configuration. Only the secrets the
 * environment does not supply are kept there: credentials the operator sets replace the
 * generated ones rather than adding to them.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { type DatabaseTarget, parseDatabaseUrl } from "@/db/engine";

const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be AC followed by 32 hex digits");
const hex32 = z.string().regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits");
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
/** "1"/"true" or "0"/"false"; z.coerce.boolean would read "0" as true. */
const flag = optional(z.enum(["0", "1", "true", "false"])).transform((v) => v === "1" || v === "true");

/**
 * A comma-separated list of web origins (scheme://host[:port], https except for localhost),
 * normalised by URL and without duplicates.
 */
const relatedOrigins = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${item}" is not a URL` });
      return z.NEVER;
    }
    if (url.origin !== item.replace(/\/$/, "")) {
      ctx.addIssue({ code: "custom", message: `"${item}" must be an origin (scheme://host[:port]) with no path` });
      return z.NEVER;
    }
    if (url.protocol !== "https:" && url.hostname !== "localhost") {
      ctx.addIssue({ code: "custom", message: `"${item}" must use https` });
      return z.NEVER;
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return origins;
});

/**
 * TRUSTED_PROXIES: comma-separated IP addresses and CIDR ranges (`127.0.0.1`, `10.0.0.0/8`,
 * `::1`, `fd00::/8`). Each is checked here, so a typo stops start-up instead of silently
 * trusting nobody, or everybody.
 */
const trustedProxies = z.string().transform((value, ctx) => {
  const ranges: { address: string; prefix: number; family: "ipv4" | "ipv6" }[] = [];
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [address, prefixText, extra] = item.split("/");
    const version = isIP(address);
    const bits = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (version === 0 || extra !== undefined || !(prefix >= 0 && prefix <= bits)) {
      ctx.addIssue({ code: "custom", message: `"${item}" is not an IP address or a CIDR range (such as 10.0.0.0/8)` });
      return z.NEVER;
    }
    ranges.push({ address, prefix, family: version === 4 ? "ipv4" : "ipv6" });
  }
  return ranges;
});

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: optional(z.coerce.number().int().min(1).max(65535)),
  DATABASE_URL: z
    .string()
    .default("file:./data/owlbank.db")
    .transform((value, ctx): DatabaseTarget => {
      try {
        return parseDatabaseUrl(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * PostgreSQL connections per instance. Instances × pool size must stay under the server's
   * max_connections (100 by default) with room for maintenance: docs/deploy.md.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Where data/secrets.json lives. Default: beside a SQLite file, or ./data on PostgreSQL.
   * Set it when several installations share a working directory (tests do).
   */
  OWLBANK_DATA_DIR: optional(z.string().min(1)),
  /** How long a query may wait for PostgreSQL (connecting, locks, running) before the request gets 503. */
  DATABASE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
  /**
   * The embedded account the /v2 API accepts, both or neither. Generated (with an API key)
   * when unset. The only account that can authenticate: see lib/verify/accounts.ts.
   */
  VERIFY_ACCOUNT_SID: optional(accountSid),
  VERIFY_AUTH_TOKEN: optional(hex32),
  /** The account's API key (SK… + secret), both or neither; the only key that authenticates. */
  VERIFY_API_KEY_SID: optional(z.string().regex(/^SK[0-9a-fA-F]{32}$/)),
  VERIFY_API_KEY_SECRET: optional(z.string().min(16)),
  VERIFY_CHALLENGE_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** OwlBank's public URL: its host is the relying party id, its origin the only allowed origin. */
  APP_URL: optional(z.url()),
  /**
   * Real Twilio Verify: both send OwlBank's Verify calls (and, with OWLBANK_CODE_DELIVERY=auto,
   * its one-time codes) to Twilio instead of the embedded backend.
   */
  TWILIO_ACCOUNT_SID: optional(accountSid),
  TWILIO_AUTH_TOKEN: optional(z.string().min(1)),
  /** OwlBank's Service, in whichever Verify it uses; unset, it finds or creates one named "OwlBank". */
  VERIFY_SERVICE_SID: optional(z.string().regex(/^VA[0-9a-fA-F]{32}$/)),
  /** Where OwlBank sends Verify calls; defaults to this app, or to Twilio with Twilio credentials. */
  VERIFY_BASE_URL: optional(z.url()),
  NEXTAUTH_SECRET: optional(z.string().min(32)),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (lib/client-address.ts). Unset, every
   * request's client is the address it connected from.
   */
  TRUSTED_PROXIES: optional(trustedProxies),
  /** Requests per minute one account may make to the /v2 API. */
  VERIFY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
  /** Failed Basic-auth attempts per minute per client address and username before 429. */
  AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /**
   * Other origins that may use OwlBank's passkeys (WebAuthn related origins), comma-separated.
   * Served at /.well-known/webauthn and added to the Verify Service's origins.
   */
  WEBAUTHN_RELATED_ORIGINS: optional(relatedOrigins),
  /** A session's absolute lifetime: no activity extends it (default 12 hours). */
  OWLBANK_SESSION_LIFETIME_SECONDS: z.coerce.number().int().min(10).max(30 * 24 * 60 * 60).default(12 * 60 * 60),
  /** A session ends after this long without a request (default 30 minutes). */
  OWLBANK_SESSION_IDLE_SECONDS: z.coerce.number().int().min(10).max(30 * 24 * 60 * 60).default(30 * 60),
  /** How long a passkey approval lets the customer change passkeys or their phone number. */
  OWLBANK_STEP_UP_MAX_AGE_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  /** Where one-time codes go: "auto" = Twilio Verify SMS with Twilio credentials, else the local outbox. */
  OWLBANK_CODE_DELIVERY: z.enum(["auto", "outbox", "twilio"]).default("auto"),
  /**
   * Keep the local outbox's messages and serve them at /dev/outbox in production too (development
   * always does). It shows every code, so it is refused unless APP_URL is a localhost URL.
   */
  OWLBANK_DEV_OUTBOX: flag,
  /** Serve the Verify console (/dev/verify) in production too; development always does. */
  OWLBANK_DEV_CONSOLE: flag,
  /** Passkey sign-ins started per minute per client address (autofill starts one per page view). */
  OWLBANK_SIGN_IN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Sign-ups started per minute per client address. */
  OWLBANK_SIGN_UP_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** Sign-ins and sign-ups started per minute for one phone number. */
  OWLBANK_PHONE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** One-time codes one browser may have sent per hour to one phone number. */
  OWLBANK_CODE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /**
   * One-time codes sent per hour to one phone number, whoever asks. Higher than the
   * per-browser limit, so strangers asking for codes cannot use up the customer's own.
   */
  OWLBANK_CODE_NUMBER_CAP_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** Recovery and phone-change requests (codes asked for and codes tried) per hour per client address. */
  OWLBANK_RECOVERY_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(60),
  /** Phone number changes one account may start per hour (each texts a code to a number it names). */
  OWLBANK_PHONE_CHANGE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(5),
}).superRefine((e, ctx) => {
  // Half a pair used to be completed from data/secrets.json: a credential nobody was shown.
  for (const [a, b] of [
    ["VERIFY_ACCOUNT_SID", "VERIFY_AUTH_TOKEN"],
    ["VERIFY_API_KEY_SID", "VERIFY_API_KEY_SECRET"],
    ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
  ] as const) {
    if ((e[a] === undefined) !== (e[b] === undefined)) {
      ctx.addIssue({ code: "custom", path: [e[a] === undefined ? a : b], message: `set together with ${e[a] === undefined ? b : a}, or neither` });
    }
  }
  // A cap below the per-browser limit would let strangers lock the customer out again.
  if (e.OWLBANK_CODE_NUMBER_CAP_PER_HOUR < e.OWLBANK_CODE_LIMIT_PER_HOUR) {
    ctx.addIssue({ code: "custom", path: ["OWLBANK_CODE_NUMBER_CAP_PER_HOUR"], message: "must be at least OWLBANK_CODE_LIMIT_PER_HOUR" });
  }
  if (e.OWLBANK_SESSION_IDLE_SECONDS > e.OWLBANK_SESSION_LIFETIME_SECONDS) {
    ctx.addIssue({
      code: "custom",
      path: ["OWLBANK_SESSION_IDLE_SECONDS"],
      message: "must not exceed OWLBANK_SESSION_LIFETIME_SECONDS (a session cannot idle longer than it lives)",
    });
  }
});

/**
 * What `data/secrets.json` holds. The Verify credentials are there only while the
 * environment does not name them: the account while VERIFY_ACCOUNT_SID is unset, the API
 * key while neither the account nor a key is set (an operator's account has only the key
 * the operator gives it).
 */
type Secrets = {
  authSecret: string;
  verifyAccountSid?: string;
  verifyAuthToken?: string;
  verifyApiKeySid?: string;
  verifyApiKeySecret?: string;
};

export type Config = ReturnType<typeof loadConfig>;

/** Where data/secrets.json lives: OWLBANK_DATA_DIR, else beside a SQLite file, else ./data. */
function dataDir(database: DatabaseTarget, configured: string | undefined): string {
  if (configured) return path.resolve(configured);
  return database.engine === "postgres" || database.file === ":memory:" ? path.resolve("data") : path.dirname(database.file);
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/**
 * Narrows the mode of a file or folder of ours that may predate this rule (or was made
 * under a loose umask). A folder we do not own (DATABASE_URL in a shared place) is the
 * operator's to protect: say so rather than refuse to start.
 */
export function restrictMode(file: string, mode: number): void {
  try {
    if ((fs.statSync(file).mode & 0o777) !== mode) fs.chmodSync(file, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code !== "EPERM") throw error;
    console.warn(`[env] could not restrict ${file} to mode ${mode.toString(8)}: ${(error as Error).message}`);
  }
}

/** Which Verify credentials data/secrets.json must supply, because the environment does not. */
type Wanted = { account: boolean; apiKey: boolean };

function generated(wanted: Wanted, kept: Partial<Secrets> = {}): Secrets {
  const secrets: Secrets = { authSecret: kept.authSecret ?? randomBytes(32).toString("base64url") };
  if (wanted.account) {
    secrets.verifyAccountSid = kept.verifyAccountSid ?? `AC${hex(16)}`;
    secrets.verifyAuthToken = kept.verifyAuthToken ?? hex(16);
  }
  if (wanted.apiKey) {
    secrets.verifyApiKeySid = kept.verifyApiKeySid ?? `SK${hex(16)}`;
    secrets.verifyApiKeySecret = kept.verifyApiKeySecret ?? randomBytes(24).toString("base64url");
  }
  return secrets;
}

/**
 * Reads `data/secrets.json`, creating it on first start. `wx` makes creation atomic, so
 * two processes starting together (Next's build workers) end up with the same secrets.
 * Credentials the environment now supplies are dropped from the file, and ones it no
 * longer supplies are generated into it; that rewrite is not atomic against a second
 * process starting at the same moment with a different environment, which is not a
 * configuration that works anyway. `generatedNow` says which credentials this start
 * generated, so they are printed once.
 */
function loadSecrets(dir: string, wanted: Wanted): { secrets: Secrets; generatedNow: Wanted } {
  const file = path.join(dir, "secrets.json");
  // The database and the secrets live here: nobody else may list, read or add files.
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrictMode(dir, 0o700);
  const fresh = generated(wanted);
  try {
    fs.writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { flag: "wx", mode: 0o600 });
    return { secrets: fresh, generatedNow: wanted };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  restrictMode(file, 0o600);
  const stored = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Secrets>;
  const secrets = generated(wanted, stored);
  const changed =
    Object.keys(secrets).length !== Object.keys(stored).length ||
    Object.entries(secrets).some(([key, value]) => stored[key as keyof Secrets] !== value);
  if (changed) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  return {
    secrets,
    generatedNow: { account: wanted.account && !stored.verifyAccountSid, apiKey: wanted.apiKey && !stored.verifyApiKeySid },
  };
}

/** True for a URL only this machine can open: where codes may be shown (OWLBANK_DEV_OUTBOX). */
export function isLocalUrl(url: URL): boolean {
  const host = url.hostname;
  return host === "localhost" || host.endsWith(".localhost") || host === "127.0.0.1" || host === "[::1]";
}

export function loadConfig(env: Record<string, string | undefined>) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${problems.join("\n")}`);
  }
  const e = parsed.data;
  const database = e.DATABASE_URL;
  const accountFromEnv = e.VERIFY_ACCOUNT_SID !== undefined;
  const apiKeyFromEnv = e.VERIFY_API_KEY_SID !== undefined;
  const secretsDir = dataDir(database, e.OWLBANK_DATA_DIR);
  const { secrets, generatedNow } = loadSecrets(secretsDir, {
    account: !accountFromEnv,
    apiKey: !accountFromEnv && !apiKeyFromEnv,
  });
  const appUrl = new URL(e.APP_URL ?? `http://localhost:${e.PORT ?? 3000}`);
  const twilioCloud = Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN);
  const codeDelivery =
    e.OWLBANK_CODE_DELIVERY === "auto" ? (twilioCloud ? ("twilio" as const) : ("outbox" as const)) : e.OWLBANK_CODE_DELIVERY;

  /**
   * The one account (and at most one API key) the /v2 API accepts; start-up revokes every
   * other (lib/verify/accounts.ts). Absent key fields mean the account has no API key.
   */
  const verifyAccount: { accountSid: string; authToken: string; apiKeySid?: string; apiKeySecret?: string } = {
    accountSid: e.VERIFY_ACCOUNT_SID ?? secrets.verifyAccountSid!,
    authToken: e.VERIFY_AUTH_TOKEN ?? secrets.verifyAuthToken!,
    apiKeySid: e.VERIFY_API_KEY_SID ?? secrets.verifyApiKeySid,
    apiKeySecret: e.VERIFY_API_KEY_SECRET ?? secrets.verifyApiKeySecret,
  };

  return {
    isProduction: e.NODE_ENV === "production",
    /** `next dev`: the only place a one-time code may be printed (see lib/owlbank/local-outbox.ts). */
    isDevelopment: e.NODE_ENV === "development",
    /** The engine and where its data is (db/engine.ts). */
    database,
    databasePool: { poolSize: e.DATABASE_POOL_SIZE, timeoutSeconds: e.DATABASE_TIMEOUT_SECONDS },
    /**
     * Which Verify credentials this start generated, so they are printed once. Credentials
     * from the environment are the operator's and never printed.
     */
    generatedNow,
    /**
     * Which secrets this instance read from its data folder's secrets.json rather than the
     * environment. Instances sharing a database must agree on them (lib/start-up.ts checks).
     */
    secretsFile: path.join(secretsDir, "secrets.json"),
    secretsFromFile: { authSecret: e.NEXTAUTH_SECRET === undefined, account: !accountFromEnv, apiKey: !accountFromEnv && !apiKeyFromEnv },
    verifyAccount,
    challengeTtlMs: e.VERIFY_CHALLENGE_TTL_SECONDS * 1000,
    trustedProxies: e.TRUSTED_PROXIES ?? [],
    rateLimits: {
      verifyPerMinute: e.VERIFY_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: e.AUTH_FAILURE_LIMIT_PER_MINUTE,
    },
    app: {
      url: appUrl.origin,
      /** APP_URL names this machine (localhost): the only place codes may be shown. */
      isLocal: isLocalUrl(appUrl),
      origin: appUrl.origin,
      rpId: appUrl.hostname,
      /**
       * Every origin allowed to use the relying party: this one first, then the related ones.
       * /.well-known/webauthn and the Verify Service's origins are both built from it.
       */
      origins: [appUrl.origin, ...(e.WEBAUTHN_RELATED_ORIGINS ?? []).filter((o) => o !== appUrl.origin)],
    },
    owlbank: {
      stepUpMaxAgeMs: e.OWLBANK_STEP_UP_MAX_AGE_MINUTES * 60_000,
      sessionLifetimeMs: e.OWLBANK_SESSION_LIFETIME_SECONDS * 1000,
      sessionIdleMs: e.OWLBANK_SESSION_IDLE_SECONDS * 1000,
      /** "twilio" sends codes by SMS through Twilio Verify; "outbox" keeps them on this server. */
      codeDelivery,
      /**
       * Whether codes may be shown: the outbox keeps message bodies and /dev/outbox exists.
       * Always outside production; in production only when asked for (start-up refuses the
       * request unless APP_URL is local, see lib/start-up.ts).
       */
      devOutbox: e.NODE_ENV !== "production" || e.OWLBANK_DEV_OUTBOX,
      /** Whether OWLBANK_DEV_OUTBOX was set, for start-up's checks. */
      devOutboxRequested: e.OWLBANK_DEV_OUTBOX,
      /**
       * Whether /dev/verify exists: always in development, in production only when asked for.
       * It is behind the embedded account's credentials either way.
       */
      devConsole: e.NODE_ENV !== "production" || e.OWLBANK_DEV_CONSOLE,
      rateLimits: {
        signInPerMinute: e.OWLBANK_SIGN_IN_LIMIT_PER_MINUTE,
        signUpPerMinute: e.OWLBANK_SIGN_UP_LIMIT_PER_MINUTE,
        phonePerMinute: e.OWLBANK_PHONE_LIMIT_PER_MINUTE,
        codesPerHour: e.OWLBANK_CODE_LIMIT_PER_HOUR,
        codesPerNumberPerHour: e.OWLBANK_CODE_NUMBER_CAP_PER_HOUR,
        recoveryPerHour: e.OWLBANK_RECOVERY_LIMIT_PER_HOUR,
        phoneChangesPerHour: e.OWLBANK_PHONE_CHANGE_LIMIT_PER_HOUR,
      },
    },
    /** How OwlBank reaches Verify: the real cloud, or this app's own /v2 API. */
    verifyClient: twilioCloud
      ? {
          mode: "twilio" as const,
          accountSid: e.TWILIO_ACCOUNT_SID!,
          authToken: e.TWILIO_AUTH_TOKEN!,
          serviceSid: e.VERIFY_SERVICE_SID,
          baseUrl: e.VERIFY_BASE_URL,
          inProcess: false,
        }
      : {
          mode: "embedded" as const,
          accountSid: verifyAccount.accountSid,
          authToken: verifyAccount.authToken,
          serviceSid: e.VERIFY_SERVICE_SID,
          baseUrl: e.VERIFY_BASE_URL ?? appUrl.origin,
          /**
           * Whether the library's requests are answered by this process's own /v2 handlers
           * (lib/verify-client/in-process.ts) rather than sent over HTTP: unless VERIFY_BASE_URL
           * names a server to send them to.
           */
          inProcess: !e.VERIFY_BASE_URL,
        },
    authSecret: e.NEXTAUTH_SECRET ?? secrets.authSecret,
  };
}

let cached: Config | undefined;

/** Configuration, validated on first use (not at import, so `next build` needs none). */
export function config(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
