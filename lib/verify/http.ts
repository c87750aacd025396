/**
 * The edge of the Verify API: every `/v2` route handler is built here. It authenticates
 * (HTTP Basic), reads the body once under a size limit, hands the service typed input,
 * and turns every `VerifyError` into Twilio's error body. Nothing below this file sees a
 * `Request`, and nothing above it writes an error response.
 */
import "server-only";
import { isCrossSiteWrite } from "@/lib/cross-site";
import { databaseFailure } from "@/lib/db";
import { config } from "@/lib/env";
import { verifyRateLimits } from "@/db/schema/verify";
import { clientAddress } from "@/lib/client-address";
import { takeFromBlock, takeWindow, windowKey, type WindowStore } from "@/lib/rate-limit";
import { authenticate } from "./accounts";
import { fail, notFound, VerifyError, type VerifyErrorKind } from "./errors";
import type { AccountSid } from "./sid";

/** Requests larger than this are refused before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];

/**
 * No text this API stores may hold U+0000: PostgreSQL's text type cannot, so the same request
 * would be stored on SQLite and fail on PostgreSQL. Refused on every engine, at the edge.
 */
function refuseNul(name: string, value: unknown): void {
  if (typeof value === "string") {
    if (value.includes("\u0000") || name.includes("\u0000")) fail("invalid_parameter", `Invalid parameter: ${name.replace(/\u0000/g, "")} contains a NUL character`);
  } else if (Array.isArray(value)) {
    value.forEach((item) => refuseNul(name, item));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) refuseNul(key, item);
  }
}

/**
 * Form parameters as Twilio reads them: repeated keys keep every value, and names match
 * case-insensitively (runbooks spell `Passkeys.RelyingParty.id`; the library emits PascalCase).
 */
export class FormBody {
  private readonly values = new Map<string, string[]>();

  constructor(text: string) {
    for (const [key, value] of new URLSearchParams(text)) {
      refuseNul(key, value);
      const k = key.toLowerCase();
      this.values.set(k, [...(this.values.get(k) ?? []), value]);
    }
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  /** The last value sent for `name`, as Twilio keeps the last of repeated scalar keys. */
  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase())?.at(-1);
  }

  all(name: string): string[] {
    return this.values.get(name.toLowerCase()) ?? [];
  }
}

export type VerifyRequest<P> = {
  account: AccountSid;
  params: P;
  /** Scheme and host the client used, so `url` and paging links lead back here. */
  base: string;
  /** Path as requested, for "The requested resource … was not found". */
  path: string;
  query: URLSearchParams;
  form: () => Promise<FormBody>;
  /** The JSON object body; a non-JSON content type is refused with `contentTypeError`. */
  json: (contentTypeError: VerifyErrorKind) => Promise<Record<string, unknown>>;
};

type Handler<P> = (req: VerifyRequest<P>) => Promise<Response> | Response;
type RouteContext = { params: Promise<Record<string, string | string[]>> };

export const json = (status: number, body: unknown) => Response.json(body, { status });
export const noContent = () => new Response(null, { status: 204 });

async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}

function tooLarge(): never {
  return fail("payload_too_large", `Request body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
}

function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
}

function requestBase(request: Request): string {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0].trim() || url.protocol.slice(0, -1);
  return `${proto}://${host}`;
}

/**
 * What an error answer carries besides its body: the Basic challenge on 401, Retry-After on
 * 429, and on 503 a Retry-After of one second (the database is usually back by then).
 */
export function errorHeaders(error: VerifyError, realm = "Twilio API"): Record<string, string> {
  return error.kind === "authentication_failed"
    ? { "WWW-Authenticate": `Basic realm="${realm}"` }
    : error.kind === "too_many_requests"
      ? { "Retry-After": /retry after (\d+)/.exec(error.message)?.[1] ?? "60" }
      : error.kind === "service_unavailable"
        ? { "Retry-After": "1" }
        : {};
}

function errorResponse(error: VerifyError): Response {
  return Response.json(error.toBody(), { status: error.status, headers: errorHeaders(error) });
}

function buildRequest<P>(request: Request, account: AccountSid, params: P): VerifyRequest<P> {
  const url = new URL(request.url);
  refuseNul("path", params);
  for (const [key, value] of url.searchParams) refuseNul(key, value);
  let body: Promise<string> | undefined;
  const text = () => (body ??= readBody(request));
  return {
    account,
    params,
    base: requestBase(request),
    path: url.pathname,
    query: url.searchParams,
    form: async () => new FormBody(await text()),
    json: async (contentTypeError) => {
      if (mediaType(request) !== "application/json") {
        fail(contentTypeError, "Unsupported content type: send application/json");
      }
      const raw = await text();
      let parsed: unknown;
      try {
        parsed = raw.trim() === "" ? {} : JSON.parse(raw);
      } catch {
        fail("invalid_parameter", "Invalid parameter: the body is not valid JSON");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        fail("invalid_parameter", "Invalid parameter: the JSON body must be an object");
      }
      refuseNul("body", parsed);
      return parsed as Record<string, unknown>;
    },
  };
}

const MINUTE = 60_000;

/** /v2 limits are a minute long and counted in the database, across every instance (lib/rate-limit.ts). */
const store: WindowStore = { table: verifyRateLimits, longestWindowMs: MINUTE };

function tooManyRequests(verdict: { retryAfterSeconds: number }, what: string): never {
  return fail("too_many_requests", `Too many requests: ${what}; retry after ${verdict.retryAfterSeconds} seconds`);
}

function basicUsername(header: string | null): string {
  const encoded = /^Basic\s+(\S{1,512})/i.exec(header ?? "")?.[1];
  return encoded ? Buffer.from(encoded, "base64").toString("utf8").split(":")[0].slice(0, 64) : "";
}

/**
 * Basic auth with failed attempts counted per client address and username; past the limit
 * further *failures* are answered 429 instead of 401. Valid credentials always pass: a limit
 * that also refused the right password would let anyone who knows an Account SID lock its
 * real client out (from many addresses, if need be). (Guessing a
 * 128-bit token is hopeless either way; the limit keeps floods of bad credentials from being
 * answered at full speed.) Also guards the /dev/verify console, so both share one count.
 *
 * Throws `authentication_failed` or `too_many_requests`.
 */
export async function authenticateCounted(headers: Headers): Promise<AccountSid> {
  const header = headers.get("authorization");
  try {
    return await authenticate(header);
  } catch (error) {
    // Only a refusal counts: a database that did not answer says nothing about the client.
    if (!(error instanceof VerifyError)) throw error;
    const failures = { limit: config().rateLimits.authFailuresPerMinute, windowMs: MINUTE };
    const verdict = await takeWindow(store, windowKey("auth-failures", `${clientAddress(headers)}|${basicUsername(header)}`), failures);
    if (!verdict.ok) tooManyRequests(verdict, "too many failed authentication attempts");
    throw error;
  }
}

// The account's key in the counter table, an HMAC: computed once per account and process.
const accountKeys = new Map<AccountSid, string>();
const accountKey = (account: AccountSid) => {
  let key = accountKeys.get(account);
  if (!key) accountKeys.set(account, (key = windowKey("account", account)));
  return key;
};

/** Basic auth (`authenticateCounted`), then the per-account request budget. */
async function authorise(request: Request): Promise<AccountSid> {
  const account = await authenticateCounted(request.headers);
  const budget = await takeFromBlock(store, accountKey(account), { limit: config().rateLimits.verifyPerMinute, windowMs: MINUTE });
  if (!budget.ok) tooManyRequests(budget, "this account's request rate limit was exceeded");
  return account;
}

/**
 * `code: message` of the innermost error that has a code: the driver's own error, which
 * drizzle wraps as `cause` of one whose message lists the query and its parameters.
 */
function driverError(error: unknown): string {
  let found: { code: string; message: unknown } | undefined;
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string") found = { code: e.code, message: e.message };
  }
  if (!found) return "no error code";
  return typeof found.message === "string" && found.message ? `${found.code}: ${found.message.slice(0, 200)}` : found.code;
}

/**
 * Drizzle's failed-query error (its message lists the parameters), by shape: the server bundle
 * may hold more than one copy of drizzle's classes, so `instanceof` cannot be trusted.
 */
const isFailedQuery = (error: unknown) => error instanceof Error && "query" in error && "params" in error;

async function run<P>(request: Request, context: RouteContext, handler: Handler<P>): Promise<Response> {
  try {
    // A page on another site must not drive the API with credentials the browser cached.
    if (isCrossSiteWrite(request)) fail("cross_site_request", "Cross-site requests are not allowed");
    const account = await authorise(request);
    const params = (await context.params) as P;
    return await handler(buildRequest(request, account, params));
  } catch (error) {
    if (error instanceof VerifyError) return errorResponse(error);
    if (databaseFailure(error) === "unavailable") {
      // Not the error itself: drizzle's message carries the query's parameters (secrets,
      // credential hashes). The driver's code and message say what went wrong.
      console.error(`Verify API: the database is unavailable (${driverError(error)})`);
      return errorResponse(new VerifyError("service_unavailable", "Service Unavailable: the database did not answer; try again"));
    }
    // Never leak a stack trace or internal message to the caller.
    // A failed query's own message lists its parameters: log the driver's error instead.
    console.error("Unexpected error in Verify API", isFailedQuery(error) ? driverError(error) : error);
    return json(500, {
      code: 20500,
      message: "Internal Server Error",
      more_info: "https://www.twilio.com/docs/errors/20500",
      status: 500,
    });
  }
}

/**
 * Builds every HTTP method of one `/v2` route. Methods the route does not implement answer
 * 405 with Twilio's error body instead of Next's empty default.
 *
 * `export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes({ GET: services.fetch })`
 */
export function verifyRoutes<P = Record<string, never>>(handlers: Partial<Record<Method, Handler<P>>>) {
  const allowed = METHODS.filter((m) => handlers[m]);
  const route = (method: Method) => (request: Request, context: RouteContext) =>
    run<P>(request, context, (req) => {
      // With trailing-slash redirects off (the library must never be redirected), Next hands
      // `…/Entities/` to the list route; a hand-made path like that names no resource.
      if (req.path.endsWith("/")) notFound(req.path);
      const handler = handlers[method];
      if (!handler) {
        fail("method_not_allowed", `Method ${method} is not allowed on ${req.path}; use ${allowed.join(", ")}`);
      }
      return handler(req);
    });
  return Object.fromEntries(METHODS.map((m) => [m, route(m)])) as Record<
    Method,
    (request: Request, context: RouteContext) => Promise<Response>
  >;
}
