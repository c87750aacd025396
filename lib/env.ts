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
  /**
   * Other origins that may use OwlBank's passkeys (WebAuthn related origins), comma-separated.
   * Served at /.well-known/webauthn and added to the Verify Service's origins.
   */
  WEBAUTHN_RELATED_ORIGINS: optional(relatedOrigins),
  /** How long a passkey approval lets the customer change passkeys or their phone number. */
  OWLBANK_STEP_UP_MAX_AGE_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  /** Where one-time codes go: "auto" = Twilio Verify SMS with Twilio credentials, else the local outbox. */
  OWLBANK_CODE_DELIVERY: z.enum(["auto", "outbox", "twilio"]).default("auto"),
  /** Serve the local outbox page (/dev/outbox) in production too; development always does. */
  OWLBANK_DEV_OUTBOX: flag,
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
}).refine((e) => e.OWLBANK_CODE_NUMBER_CAP_PER_HOUR >= e.OWLBANK_CODE_LIMIT_PER_HOUR, {
  // A cap below the per-browser limit would let strangers lock the customer out again.
  path: ["OWLBANK_CODE_NUMBER_CAP_PER_HOUR"],
  message: "must be at least OWLBANK_CODE_LIMIT_PER_HOUR",
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
    /** `next dev`: the only place a one-time code may be printed (see lib/owlbank/local-outbox.ts). */
    isDevelopment: e.NODE_ENV === "development",
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
      /**
       * Every origin allowed to use the relying party: this one first, then the related ones.
       * /.well-known/webauthn and the Verify Service's origins are both built from it.
       */
      origins: [appUrl.origin, ...(e.WEBAUTHN_RELATED_ORIGINS ?? []).filter((o) => o !== appUrl.origin)],
    },
    owlbank: {
      stepUpMaxAgeMs: e.OWLBANK_STEP_UP_MAX_AGE_MINUTES * 60_000,
      /** "twilio" sends codes by SMS through Twilio Verify; "outbox" keeps them on this server. */
      codeDelivery:
        e.OWLBANK_CODE_DELIVERY === "auto" ? (twilioCloud ? ("twilio" as const) : ("outbox" as const)) : e.OWLBANK_CODE_DELIVERY,
      /** Whether /dev/outbox exists: always in development, in production only when asked for. */
      devOutbox: e.NODE_ENV !== "production" || e.OWLBANK_DEV_OUTBOX,
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
