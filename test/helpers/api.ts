/**
 * An in-process client for the `/v2` API: it routes a path to the real App Router route
 * module the way Next would (lib/verify-client/in-process.ts) and calls its handler with a
 * real `Request`. No server, no network.
 */
import { routeOf, type Method } from "@/lib/verify-client/in-process";
import { config } from "@/lib/env";
import { basic } from "./basic-auth";

export const BASE_URL = "http://localhost:3000";

/** The route module Next would run, the same table OwlBank's in-process Verify client uses. */
function route(pathname: string) {
  const found = routeOf(pathname);
  if (!found) throw new Error(`No /v2 route for ${pathname}`);
  return found;
}

export { basic };

/** The embedded account's Basic credentials (Account SID + auth token). */
export const accountAuth = () => {
  const { accountSid, authToken } = config().verifyAccount;
  return basic(accountSid, authToken);
};

/** The embedded account's API key credentials (SK… + secret). */
export const apiKeyAuth = () => {
  const { apiKeySid, apiKeySecret } = config().verifyAccount;
  if (!apiKeySid || !apiKeySecret) throw new Error("The configured account has no API key: set VERIFY_API_KEY_SID and VERIFY_API_KEY_SECRET");
  return basic(apiKeySid, apiKeySecret);
};

/** Form values: a string, or an array sent as repeated keys (the library's `arrayFormat: "repeat"`). */
export type Form = Record<string, string | number | boolean | (string | number | boolean)[]>;

/** A response body as tests read it: JSON when it parses, else the text, null when empty. */
export function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function formBody(form: Form): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  return params.toString();
}

/**
 * Response bodies are read loosely on purpose: tests assert on them field by field, and a
 * typed body would only restate the serializers.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export type ApiResponse<T = Json> = { status: number; body: T; headers: Headers; text: string };

export type RequestOptions = {
  /** Query parameters (GET lists). */
  query?: Record<string, string | number>;
  /** Sent form-encoded, as the library does for S1/S3/E1/F3/F5/C3/C4. */
  form?: Form;
  /** Sent as JSON, as the library does for P1–P4. */
  json?: unknown;
  /** A raw body, sent as-is. */
  raw?: string;
  headers?: Record<string, string>;
  /** Overrides the client's credentials; `null` sends no Authorization header. */
  auth?: string | null;
};

export type ApiClient = {
  request<T = Json>(method: Method, pathOrUrl: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  get<T = Json>(pathOrUrl: string, query?: Record<string, string | number>): Promise<ApiResponse<T>>;
  /** POST with a form body. */
  form<T = Json>(path: string, form: Form): Promise<ApiResponse<T>>;
  /** POST with a JSON body. */
  json<T = Json>(path: string, body: unknown): Promise<ApiResponse<T>>;
  delete<T = Json>(path: string): Promise<ApiResponse<T>>;
};

/** A client authenticated as `auth` (default: the embedded account). */
export function apiClient(auth?: string | null): ApiClient {
  async function request<T>(method: Method, pathOrUrl: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(pathOrUrl, BASE_URL);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...options.headers };
    // Resolved per request, so importing this module does not read the configuration.
    const authorization = options.auth !== undefined ? options.auth : auth === undefined ? accountAuth() : auth;
    if (authorization !== null) headers.authorization = authorization;
    let body: string | undefined;
    if (options.form) {
      headers["content-type"] ??= "application/x-www-form-urlencoded";
      body = formBody(options.form);
    } else if (options.json !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const { module, params } = route(url.pathname);
    const response = await module[method](new Request(url, { method, headers, body }), {
      params: Promise.resolve(params),
    });
    const text = await response.text();
    return { status: response.status, body: parseBody(text) as T, headers: response.headers, text };
  }
  return {
    request,
    get: (path, query) => request("GET", path, { query }),
    form: (path, form) => request("POST", path, { form }),
    json: (path, body) => request("POST", path, { json: body }),
    delete: (path) => request("DELETE", path),
  };
}

/** The default client, as the embedded account. */
export const api = apiClient();

/** Twilio's error body for `code` (docs/api.md §6.1), for `toMatchObject`. */
export const twilioError = (code: number, status: number) => ({
  code,
  status,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
});
