/**
 * The session, for server code, and the next-auth route handler.
 */
import "server-only";
import NextAuth, { getServerSession } from "next-auth";
import { cache } from "react";
import { isCrossSiteWrite } from "@/lib/cross-site";
import { authOptions } from "./config";

/** The current session, read once per request (React `cache`). */
export const auth = cache(() => getServerSession(authOptions()));

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/** next-auth's App Router handler, with options built on first request. */
async function handler(req: Request, context: RouteContext): Promise<Response> {
  return NextAuth(req as never, context as never, authOptions());
}

/**
 * A write from another site is refused before next-auth reads it, as on every page (proxy.ts):
 * defence in depth beside next-auth's CSRF token. Checked here because /api/ requests skip the
 * proxy, whose extra pass through Next cost every sign-in (bench/README.md).
 */
async function post(req: Request, context: RouteContext): Promise<Response> {
  if (isCrossSiteWrite(req)) return new Response("Cross-site requests are not allowed", { status: 403 });
  return handler(req, context);
}

export { handler as GET, post as POST };
