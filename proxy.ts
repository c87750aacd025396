/**
 * Web hardening that must run per request: a Content-Security-Policy with a fresh script
 * nonce for every page, HSTS when served over https, and refusal of cross-site writes.
 *
 * Authorisation does not live here: pages and actions check the session next to the data
 * (lib/owlbank/session.ts). Static headers are in next.config.ts.
 */
import { type NextRequest, NextResponse } from "next/server";
import { contentSecurityPolicy, nonceSources } from "@/lib/csp";
import { isCrossSiteWrite } from "@/lib/cross-site";
import { config as appConfig } from "@/lib/env";
import { VerifyError, type VerifyErrorKind } from "@/lib/verify/errors";
import { authenticateCounted, errorHeaders } from "@/lib/verify/http";

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

  if (pathname.startsWith("/api/")) return NextResponse.next();
  const refusal = isConsole(pathname) ? await consoleRefusal(request) : undefined;
  if (refusal) return refusal;

  const https = (request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(":", "")) === "https";
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonceSources(nonce), https);
  // Next reads the policy from the request to put the nonce on its own scripts.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  if (https) response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return response;
}

export const config = {
  matcher: [
    {
      // Pages and their auth routes. Not build assets (no state, no policy needed), not the
      // health check (the benchmark floor), and not /v2: the proxy layer buffers request
      // bodies, which would defeat the API's early 413, and the API checks itself.
      source: "/((?!_next/static|_next/image|favicon.ico|icon.svg|api/health|v2/|v2$).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    // /v2 paths Next would answer with a 500 (a bad percent-escape) reach the proxy.
    "/v2/(.*%.*)",
  ],
};
