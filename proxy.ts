/**
 * Web hardening that must run per request: a Content-Security-Policy with a fresh script
 * nonce for every page, HSTS when served over https, and refusal of cross-site writes.
 *
 * Authorisation does not live here: pages and actions check the session next to the data
 * (lib/owlbank/session.ts). Static headers are in next.config.ts.
 */
import { type NextRequest, NextResponse } from "next/server";

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function contentSecurityPolicy(nonce: string, https: boolean): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    // 'strict-dynamic' lets Next's nonce-bearing bootstrap load its chunks; React needs eval
    // only in development (server error stacks), never in production.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self'${dev ? " 'unsafe-inline'" : ` 'nonce-${nonce}'`}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/**
 * A browser write from another site. `Sec-Fetch-Site` is sent by every current browser;
 * `Origin` covers older ones. Server-to-server callers (the twilio library) send neither.
 */
function isCrossSite(request: NextRequest): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site === "cross-site") return true;
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

function refuse(request: NextRequest): NextResponse {
  if (request.nextUrl.pathname.startsWith("/v2/")) {
    return NextResponse.json(
      {
        code: 20403,
        message: "Cross-site requests are not allowed",
        more_info: "https://www.twilio.com/docs/errors/20403",
        status: 403,
      },
      { status: 403 },
    );
  }
  return new NextResponse("Cross-site requests are not allowed", { status: 403 });
}

export function proxy(request: NextRequest) {
  if (UNSAFE_METHODS.has(request.method) && isCrossSite(request)) return refuse(request);

  const https = (request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(":", "")) === "https";
  const isPage = !request.nextUrl.pathname.startsWith("/v2/") && !request.nextUrl.pathname.startsWith("/api/");
  if (!isPage) return NextResponse.next();

  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce, https);
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
      // Everything but build assets, which carry no state and need no policy.
      source: "/((?!_next/static|_next/image|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
