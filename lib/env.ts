/**
 * The one place configuration is read and validated. Everything is optional: on first
 * start the secrets that are missing are generated and kept in `data/secrets.json`
 * (git-ignored), so `npm run dev` works with zero configuration.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be AC followed by 32 hex digits");
const hex32 = z.string().regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits");
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: optional(z.coerce.number().int().min(1).max(65535)),
  DATABASE_URL: z.string().default("file:./data/owlbank.db"),
  /** The embedded account the /v2 API accepts. Generated when unset. */
  VERIFY_ACCOUNT_SID: optional(accountSid),
  VERIFY_AUTH_TOKEN: optional(hex32),
  /** Optional API key (SK… + secret) for the embedded account. */
  VERIFY_API_KEY_SID: optional(z.string().regex(/^SK[0-9a-fA-F]{32}$/)),
  VERIFY_API_KEY_SECRET: optional(z.string().min(16)),
  VERIFY_CHALLENGE_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** OwlBank's public URL: its host is the relying party id, its origin the only allowed origin. */
  APP_URL: optional(z.url()),
  /** Real Twilio Verify: set all three to leave the embedded backend. */
  TWILIO_ACCOUNT_SID: optional(accountSid),
  TWILIO_AUTH_TOKEN: optional(z.string().min(1)),
  VERIFY_SERVICE_SID: optional(z.string().regex(/^VA[0-9a-fA-F]{32}$/)),
  /** Where OwlBank sends Verify calls; defaults to this app, or to Twilio with Twilio credentials. */
  VERIFY_BASE_URL: optional(z.url()),
  NEXTAUTH_SECRET: optional(z.string().min(32)),
  /** Requests per minute one account may make to the /v2 API. */
  VERIFY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
  /** Failed Basic-auth attempts per minute per client address and username before 429. */
  AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
});

type Secrets = {
  verifyAccountSid: string;
  verifyAuthToken: string;
  verifyApiKeySid: string;
  verifyApiKeySecret: string;
  authSecret: string;
};

export type Config = ReturnType<typeof loadConfig>;

/** `file:./data/x.db`, `./data/x.db` and `:memory:` all name a SQLite database. */
export function databasePath(url: string): string {
  const p = url.startsWith("file:") ? url.slice("file:".length) : url;
  return p === ":memory:" ? p : path.resolve(p);
}

function dataDir(databaseFile: string): string {
  return databaseFile === ":memory:" ? path.resolve("data") : path.dirname(databaseFile);
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/**
 * Reads `data/secrets.json`, creating it on first start. `wx` makes creation atomic, so
 * two processes starting together (Next's build workers) end up with the same secrets.
 */
function loadSecrets(dir: string): { secrets: Secrets; created: boolean } {
  const file = path.join(dir, "secrets.json");
  const fresh: Secrets = {
    verifyAccountSid: `AC${hex(16)}`,
    verifyAuthToken: hex(16),
    verifyApiKeySid: `SK${hex(16)}`,
    verifyApiKeySecret: randomBytes(24).toString("base64url"),
    authSecret: randomBytes(32).toString("base64url"),
  };
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { flag: "wx", mode: 0o600 });
    return { secrets: fresh, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { secrets: JSON.parse(fs.readFileSync(file, "utf8")) as Secrets, created: false };
  }
}

function loadConfig(env: NodeJS.ProcessEnv) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${problems.join("\n")}`);
  }
  const e = parsed.data;
  const databaseFile = databasePath(e.DATABASE_URL);
  const { secrets, created } = loadSecrets(dataDir(databaseFile));
  const appUrl = new URL(e.APP_URL ?? `http://localhost:${e.PORT ?? 3000}`);
  const twilioCloud = Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN);

  const verifyAccount = {
    accountSid: e.VERIFY_ACCOUNT_SID ?? secrets.verifyAccountSid,
    authToken: e.VERIFY_AUTH_TOKEN ?? secrets.verifyAuthToken,
    apiKeySid: e.VERIFY_API_KEY_SID ?? secrets.verifyApiKeySid,
    apiKeySecret: e.VERIFY_API_KEY_SECRET ?? secrets.verifyApiKeySecret,
  };

  return {
    isProduction: e.NODE_ENV === "production",
    databaseFile,
    /**
     * True when this start generated the account credentials in use, so they are printed
     * once. Credentials from the environment are the operator's and never printed.
     */
    printGeneratedCredentials: created && !e.VERIFY_ACCOUNT_SID && !e.VERIFY_AUTH_TOKEN,
    verifyAccount,
    challengeTtlMs: e.VERIFY_CHALLENGE_TTL_SECONDS * 1000,
    rateLimits: {
      verifyPerMinute: e.VERIFY_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: e.AUTH_FAILURE_LIMIT_PER_MINUTE,
    },
    app: {
      url: appUrl.origin,
      origin: appUrl.origin,
      rpId: appUrl.hostname,
    },
    /** How OwlBank reaches Verify: the real cloud, or this app's own /v2 API. */
    verifyClient: twilioCloud
      ? {
          mode: "twilio" as const,
          accountSid: e.TWILIO_ACCOUNT_SID!,
          authToken: e.TWILIO_AUTH_TOKEN!,
          serviceSid: e.VERIFY_SERVICE_SID,
          baseUrl: e.VERIFY_BASE_URL,
        }
      : {
          mode: "embedded" as const,
          accountSid: verifyAccount.accountSid,
          authToken: verifyAccount.authToken,
          serviceSid: e.VERIFY_SERVICE_SID,
          baseUrl: e.VERIFY_BASE_URL ?? appUrl.origin,
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
