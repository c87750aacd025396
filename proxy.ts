/**
 * Web hardening that must run per request: a Content-Security-Policy for every page (a fresh
 * script nonce for a page rendered per request, the page's own hashes for the prerendered
 * sign-in page), HSTS when served over https, and refusal of cross-site writes.
 *
 * Authorisation does not live here: pages and actions check the session next to the data
 * (lib/owlbank/session.ts). Static headers are in next.config.ts.
 */
import { type NextRequest, NextResponse } from "next/server";
import { contentSecurityPolicy, nonceSources, type PrerenderedPage, prerenderedPage } from "@/lib/csp";
import { isCrossSiteWrite } from "@/lib/cross-site";
import { config as appConfig } from "@/lib/env";
import { VerifyError, type VerifyErrorKind } from "@/lib/verify/errors";
import { authenticateCounted, errorHeaders } from "@/lib/verify/http";

/** The prerendered sign-in page (app/(prerendered)/sign-in), and its per-request twin. */
const SIGN_IN = "/sign-in";
const SIGN_IN_WITH_SESSION = "/sign-in/with-session";

/**
 * Whether the request carries next-auth's session cookie (`__Secure-` over https; a large
 * one is split into `.0`, `.1`, …). Only its presence: whether it names a live session is
 * for the page to find out, from the database, next to the data (lib/owlbank/session.ts).
 */
const hasSessionCookie = (request: NextRequest) =>
  request.cookies.getAll().some(({ name }) => /^(__Secure-)?next-auth\.session-token(\.\d+)?$/.test(name));

const withPolicy = (response: NextResponse, csp: string) => {
  response.headers.set("Content-Security-Policy", csp);
  return response;
};

/**
 * A prerendered page from memory: the HTML its policy was computed from (lib/csp.ts adds
 * integrity values Next left out, so it is not byte for byte Next's file, and Next cannot
 * serve it). `private, no-cache`: the answer depends on the Cookie header, so no shared
 * cache may keep it, and a browser asks again (a 304 when unchanged) and is sent to the
 * dashboard once signed in.
 */
function servePrerendered(request: NextRequest, page: PrerenderedPage, csp: string): NextResponse {
  const headers = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "private, no-cache",
    ETag: page.etag,
    "Content-Security-Policy": csp,
  };
  if (request.headers.get("if-none-match") === page.etag) return new NextResponse(null, { status: 304, headers });
  return new NextResponse(request.method === "HEAD" ? null : page.html, { status: 200, headers });
}

const apiError = (kind: VerifyErrorKind, message: string) => {
  const error = new VerifyError(kind, message);
  return NextResponse.json(error.toBody(), { status: error.status });
};

/** Whether Next would fail to decode this path (it answers 500 before any route runs). */
function undecodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return false;
  } catch {
    return true;
  }
}

const isConsole = (pathname: string) => pathname === "/dev/verify" || pathname.startsWith("/dev/verify/");

/**
 * The Verify console's HTTP Basic challenge. A browser asks for credentials only on a 401
 * with `WWW-Authenticate`, which a page cannot send (`notFound()` is its only status), and a
 * route handler cannot render the console's server components; so the answer is given here,
 * with /v2's credentials and its failure count. The pages authenticate again before they
 * read (lib/verify/console.ts). When the console is off, the page answers 404.
 */
async function consoleRefusal(request: NextRequest): Promise<NextResponse | undefined> {
  if (!appConfig().owlbank.devConsole) return undefined;
  try {
    await authenticateCounted(request.headers);
    return undefined;
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    const body = error.kind === "too_many_requests" ? "Too many failed attempts" : "Authentication required";
    return new NextResponse(body, { status: error.status, headers: errorHeaders(error, "Verify console") });
  }
}

export async function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const api = pathname === "/v2" || pathname.startsWith("/v2/");
  if (isCrossSiteWrite(request)) {
    return api
      ? apiError("cross_site_request", "Cross-site requests are not allowed")
      : new NextResponse("Cross-site requests are not allowed", { status: 403 });
  }
  if (api) {
    return undecodable(pathname)
      ? apiError("not_found", `The requested resource ${pathname} was not found`)
      : NextResponse.next();
  }

  const refusal = isConsole(pathname) ? await consoleRefusal(request) : undefined;
  if (refusal) return refusal;

  const https = (request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(":", "")) === "https";
  const withHsts = (response: NextResponse) => {
    if (https) response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    return response;
  };

  // /sign-in without a session cookie: the prerendered page, with a policy of its own hashes
  // (the same for every response, so nothing is rendered). With a session cookie the page must
  // find out whether it is live (a customer who is signed in goes to the dashboard), so the
  // request goes to the per-request twin; so does every request when the hash policy cannot be
  // built (lib/csp.ts says why, once, on stderr). The decision is the same for page loads, RSC
  // navigations and prefetches (config.matcher lets /sign-in prefetches through).
  const signIn = pathname === SIGN_IN || pathname === `${SIGN_IN}/`;
  const page = signIn && !hasSessionCookie(request) ? prerenderedPage(SIGN_IN) : null;
  if (page) {
    const csp = contentSecurityPolicy(page.sources, https);
    const read = request.method === "GET" || request.method === "HEAD";
    // What Next itself takes for an RSC request (navigations and prefetches alike); the proxy
    // sees the header only because next.config.ts sets `skipProxyUrlNormalize`.
    const rsc = request.headers.get("rsc") === "1";
    if (read && !rsc) return withHsts(servePrerendered(request, page, csp));
    // RSC requests get Next's prerendered payload, and the page's server actions run there.
    if (read || request.headers.has("next-action")) return withHsts(withPolicy(NextResponse.next(), csp));
    // Anything else, such as the form posted before the page's scripts ran: rendered per
    // request, as before (Next would answer it with its copy of the HTML, which this policy blocks).
  }

  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonceSources(nonce), https);
  // Next reads the policy from the request to put the nonce on its own scripts.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  let response: NextResponse;
  if (signIn) {
    // The per-request twin: a session cookie, no hash policy, or a post that is no server
    // action. The address bar keeps /sign-in; the query string goes along.
    const target = request.nextUrl.clone();
    target.pathname = SIGN_IN_WITH_SESSION;
    response = NextResponse.rewrite(target, { request: { headers: requestHeaders } });
  } else {
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  response.headers.set("Content-Security-Policy", csp);
  return withHsts(response);
}

export const config = {
  matcher: [
    {
      // Pages. Not build assets (no state, no policy needed); not /api/ (next-auth's routes
      // refuse cross-site writes themselves, lib/auth/index.ts, and the health check is the
      // benchmark's floor); and not /v2: the proxy layer buffers request bodies, which would
      // defeat the API's early 413, and the API checks itself.
      source: "/((?!_next/static|_next/image|favicon.ico|icon.svg|api/|v2/|v2$).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    // /v2 paths Next would answer with a 500 (a bad percent-escape) reach the proxy.
    "/v2/(.*%.*)",
    // Prefetches of /sign-in too: the proxy chooses between its prerendered page and the
    // per-request twin (by the session cookie), and a prefetch must get the page the
    // navigation would.
    "/sign-in",
  ],
};
