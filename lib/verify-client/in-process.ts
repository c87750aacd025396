/**
 * The `twilio` library's HTTP client for the embedded Verify: the library builds its requests
 * exactly as it would for Twilio (URL, Basic auth, form or JSON encoding), and instead of a
 * socket to this same server they are handed to the `/v2` route handlers in this process.
 *
 * Why: over loopback every OwlBank call to Verify paid for a second trip through Next's
 * server (parsing, routing, compression) and through axios on the way back, on the same CPU
 * as the request that made it. The route handler still authenticates the request, counts it
 * against the account's budget and answers with Twilio's bodies, so nothing it checks is
 * skipped. With Twilio credentials, or with VERIFY_BASE_URL set, the library's own HTTP
 * client is used instead (lib/verify-client/client.ts).
 */
import * as CatchAllRoute from "@/app/(verify-api)/v2/[...path]/route";
import * as RootRoute from "@/app/(verify-api)/v2/route";
import * as ServicesRoute from "@/app/(verify-api)/v2/Services/route";
import * as ServiceRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/route";
import * as EntitiesRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/route";
import * as EntityRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/[identity]/route";
import * as FactorsRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/[identity]/Factors/route";
import * as FactorRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/[identity]/Factors/[factorSid]/route";
import * as ChallengesRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/[identity]/Challenges/route";
import * as ChallengeRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Entities/[identity]/Challenges/[challengeSid]/route";
import * as PasskeysFactorsRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Passkeys/Factors/route";
import * as VerifyFactorRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Passkeys/VerifyFactor/route";
import * as PasskeysChallengesRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Passkeys/Challenges/route";
import * as ApproveChallengeRoute from "@/app/(verify-api)/v2/Services/[serviceSid]/Passkeys/ApproveChallenge/route";
import type RequestClient from "twilio/lib/base/RequestClient";
import { PEER_HEADER } from "@/lib/client-address";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type RouteHandler = (request: Request, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type RouteModule = Record<Method, RouteHandler>;

/**
 * Every `/v2` route file, by the path pattern its folder names, in Next's precedence: the first
 * pattern that matches wins (static segments before dynamic ones, the catch-all last).
 * `in-process.test.ts` checks this list against the files in app/(verify-api)/v2.
 */
export const ROUTES: { file: string; pattern: RegExp; params: string[]; module: RouteModule }[] = [
  { file: "route.ts", pattern: /^\/v2$/, params: [], module: RootRoute },
  { file: "Services/route.ts", pattern: /^\/v2\/Services$/, params: [], module: ServicesRoute },
  { file: "Services/[serviceSid]/Passkeys/Factors/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/Factors$/, params: ["serviceSid"], module: PasskeysFactorsRoute },
  { file: "Services/[serviceSid]/Passkeys/VerifyFactor/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/VerifyFactor$/, params: ["serviceSid"], module: VerifyFactorRoute },
  { file: "Services/[serviceSid]/Passkeys/Challenges/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/Challenges$/, params: ["serviceSid"], module: PasskeysChallengesRoute },
  { file: "Services/[serviceSid]/Passkeys/ApproveChallenge/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Passkeys\/ApproveChallenge$/, params: ["serviceSid"], module: ApproveChallengeRoute },
  { file: "Services/[serviceSid]/Entities/[identity]/Factors/[factorSid]/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Factors\/([^/]+)$/, params: ["serviceSid", "identity", "factorSid"], module: FactorRoute },
  { file: "Services/[serviceSid]/Entities/[identity]/Factors/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Factors$/, params: ["serviceSid", "identity"], module: FactorsRoute },
  { file: "Services/[serviceSid]/Entities/[identity]/Challenges/[challengeSid]/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Challenges\/([^/]+)$/, params: ["serviceSid", "identity", "challengeSid"], module: ChallengeRoute },
  { file: "Services/[serviceSid]/Entities/[identity]/Challenges/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)\/Challenges$/, params: ["serviceSid", "identity"], module: ChallengesRoute },
  { file: "Services/[serviceSid]/Entities/[identity]/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Entities\/([^/]+)$/, params: ["serviceSid", "identity"], module: EntityRoute },
  { file: "Services/[serviceSid]/Entities/route.ts", pattern: /^\/v2\/Services\/([^/]+)\/Entities$/, params: ["serviceSid"], module: EntitiesRoute },
  { file: "Services/[serviceSid]/route.ts", pattern: /^\/v2\/Services\/([^/]+)$/, params: ["serviceSid"], module: ServiceRoute },
  { file: "[...path]/route.ts", pattern: /^\/v2\/(.*)$/, params: ["path"], module: CatchAllRoute },
];

/** The route module Next would run for `pathname`, with its params as Next decodes them. */
export function routeOf(pathname: string): { module: RouteModule; params: Record<string, string | string[]> } | undefined {
  for (const { pattern, params, module } of ROUTES) {
    const m = pattern.exec(pathname);
    if (!m) continue;
    if (module === CatchAllRoute) return { module, params: { path: m[1].split("/").map(decodeURIComponent) } };
    return { module, params: Object.fromEntries(params.map((name, i) => [name, decodeURIComponent(m[i + 1])])) };
  }
  return undefined;
}

/** What the library hands its HTTP client (twilio/lib/base/RequestClient's `request` options). */
type LibraryRequest = {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
};

/** What the library expects back: its `Version` parses `body` when it is a string. */
type LibraryResponse = { statusCode: number; body: string; headers: Record<string, string> };

/**
 * Form or query values as the library's own client encodes them (`qs`, `arrayFormat: "repeat"`):
 * scalars as text, arrays as repeated keys. The library never nests objects in a form; one that
 * did would be encoded wrongly here, so it is refused instead.
 */
function encodeForm(values: Record<string, unknown>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      if (item !== null && typeof item === "object") throw new TypeError(`Cannot form-encode the nested value of ${key}`);
      form.append(key, String(item));
    }
  }
  return form;
}

/**
 * An HTTP client for the `twilio` library (its `httpClient` option) that answers from this
 * process's `/v2` route handlers. `origin` must be this app's own: the library's URLs are
 * built from it, and a URL elsewhere is refused rather than answered by the wrong server.
 */
export class InProcessVerify {
  constructor(private readonly origin: string) {}

  async request(opts: LibraryRequest): Promise<LibraryResponse> {
    const url = new URL(opts.uri);
    if (url.origin !== this.origin) throw new Error(`The in-process Verify client only serves ${this.origin}, not ${url.origin}`);
    if (opts.params) url.search = encodeForm(opts.params).toString();
    const method = opts.method.toUpperCase() as Method;
    const headers = new Headers(opts.headers);
    if (opts.username && opts.password) headers.set("authorization", `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`);
    // The request never left this process; the route counts failed logins per address, and
    // this is the loopback address the same request would have come from.
    headers.set(PEER_HEADER, "127.0.0.1");
    let body: string | undefined;
    if (opts.data && (method === "POST" || method === "PUT")) {
      body = /json/i.test(headers.get("content-type") ?? "") ? JSON.stringify(opts.data) : encodeForm(opts.data).toString();
    }
    const route = routeOf(url.pathname);
    if (!route) throw new Error(`No /v2 route for ${url.pathname}`);
    const response = await route.module[method](new Request(url, { method, headers, body }), { params: Promise.resolve(route.params) });
    return { statusCode: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
  }
}

/**
 * The client as the library's `httpClient` option types it. The library calls only `request`
 * (twilio/lib/base/BaseTwilio.js); the rest of RequestClient is axios's configuration.
 */
export const inProcessHttpClient = (origin: string) => new InProcessVerify(origin) as unknown as RequestClient;
